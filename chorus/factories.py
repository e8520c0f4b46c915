"""factory_boy factories for the tests and the benchmark generator."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
from chorus.analytics.models import DailyShareStats
from chorus.content.models import (
    ComplianceRule,
    Post,
    RuleKind,
    Source,
    SourceItem,
    Suggestion,
    Topic,
)
from chorus.notifications.models import Notification
from chorus.sharing.models import NetworkConnection, Share, ShareMethod, ShareStatus


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


class PostFactory(DjangoModelFactory[Post]):
    class Meta:
        model = Post

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    commentary = "Why this matters."


class TopicFactory(DjangoModelFactory[Topic]):
    class Meta:
        model = Topic

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")


class ComplianceRuleFactory(DjangoModelFactory[ComplianceRule]):
    class Meta:
        model = ComplianceRule

    organization = factory.SubFactory(OrganizationFactory)
    kind = RuleKind.BLOCKED_TERM
    value = factory.Sequence(lambda n: f"forbidden{n}")


class SourceFactory(DjangoModelFactory[Source]):
    class Meta:
        model = Source

    organization = factory.SubFactory(OrganizationFactory)
    url = factory.Sequence(lambda n: f"https://news{n}.example.com/feed.xml")


class SourceItemFactory(DjangoModelFactory[SourceItem]):
    class Meta:
        model = SourceItem

    organization = factory.SelfAttribute("source.organization")
    source = factory.SubFactory(SourceFactory)
    guid = factory.Sequence(lambda n: f"item-{n}")
    url = factory.Sequence(lambda n: f"https://news.example.com/{n}")
    title = factory.Sequence(lambda n: f"Item {n}")


class SuggestionFactory(DjangoModelFactory[Suggestion]):
    class Meta:
        model = Suggestion

    organization = factory.SelfAttribute("membership.organization")
    membership = factory.SubFactory(MembershipFactory)
    url = "https://example.com/great-article"
    reason = "Our customers ask about this."


class NotificationFactory(DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    organization = factory.SelfAttribute("membership.organization")
    membership = factory.SubFactory(MembershipFactory)
    kind = "test"
    message = "Something happened."


class NetworkConnectionFactory(DjangoModelFactory[NetworkConnection]):
    class Meta:
        model = NetworkConnection

    organization = factory.SelfAttribute("membership.organization")
    membership = factory.SubFactory(MembershipFactory)
    network = "mastodon"
    instance = "https://mastodon.example"
    account_id = factory.Sequence(lambda n: f"{n + 1000}")
    handle = factory.Sequence(lambda n: f"@member{n}@mastodon.example")
    access_token = factory.Sequence(lambda n: f"access-token-{n}")


class ShareFactory(DjangoModelFactory[Share]):
    class Meta:
        model = Share

    organization = factory.SelfAttribute("membership.organization")
    membership = factory.SubFactory(MembershipFactory)
    post = factory.SubFactory(PostFactory, organization=factory.SelfAttribute("..organization"))
    network = "mastodon"
    method = ShareMethod.API
    status = ShareStatus.SCHEDULED
    text = "Worth reading."


class DailyShareStatsFactory(DjangoModelFactory[DailyShareStats]):
    """A rollup row with the figures given (all zero by default)."""

    class Meta:
        model = DailyShareStats

    organization = factory.SelfAttribute("post.organization")
    post = factory.SubFactory(PostFactory)
    membership = None
    network = "linkedin"
    day = factory.LazyFunction(timezone.localdate)
