"""factory_boy factories for the tests and the benchmark generator."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from chorus.accounts.models import Group, GroupKind, Membership, Organization, User


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Sequence(lambda n: f"Member {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)


class GroupFactory(DjangoModelFactory[Group]):
    class Meta:
        model = Group

    organization = factory.SubFactory(OrganizationFactory)
    kind = GroupKind.DEPARTMENT
    name = factory.Sequence(lambda n: f"Group {n}")
