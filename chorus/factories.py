"""factory_boy factories for the tests and the benchmark generator."""

from __future__ import annotations

from datetime import time

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
from chorus.analytics.models import DailyShareStats
from chorus.care.models import (
    CareAgent,
    CareReply,
    CareSource,
    CareTag,
    Conversation,
    Message,
    ReplyStatus,
    ReplyTemplate,
    SourceKind,
)
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


# Customer care -------------------------------------------------------------------------


class CareTagFactory(DjangoModelFactory[CareTag]):
    class Meta:
        model = CareTag

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Area {n}")


class CareSourceFactory(DjangoModelFactory[CareSource]):
    """A Mastodon mentions source of the organization's official account."""

    class Meta:
        model = CareSource

    organization = factory.SubFactory(OrganizationFactory)
    kind = SourceKind.MASTODON_MENTIONS
    name = factory.Sequence(lambda n: f"Source {n}")
    instance = "https://mastodon.example"
    handle = "@acme@mastodon.example"
    secret = "official-account-token"


class ConversationFactory(DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    organization = factory.SubFactory(OrganizationFactory)
    network = "mastodon"
    thread_key = factory.Sequence(lambda n: f"mastodon:https://mastodon.example/@customer/{n}")
    customer_handle = factory.Sequence(lambda n: f"@customer{n}@mastodon.example")
    language = "en"


class MessageFactory(DjangoModelFactory[Message]):
    """A customer's post in the conversation's thread."""

    class Meta:
        model = Message

    organization = factory.SelfAttribute("conversation.organization")
    conversation = factory.SubFactory(ConversationFactory)
    network = factory.SelfAttribute("conversation.network")
    remote_id = factory.Sequence(lambda n: f"{n + 110000}")
    remote_url = factory.LazyAttribute(
        lambda m: f"https://mastodon.example/@customer/{m.remote_id}"
    )
    author_handle = factory.SelfAttribute("conversation.customer_handle")
    text = "My order has not arrived yet, can you help?"


class CareAgentFactory(DjangoModelFactory[CareAgent]):
    """A member who opted in, is cleared and on duty (working hours: all day, every day)."""

    class Meta:
        model = CareAgent

    organization = factory.SelfAttribute("membership.organization")
    membership = factory.SubFactory(MembershipFactory)
    opted_in = True
    opted_in_at = factory.LazyFunction(timezone.now)
    on_duty = True
    cleared = True
    work_days = factory.LazyFunction(lambda: [0, 1, 2, 3, 4, 5, 6])
    work_start = time(0, 0)
    work_end = time(23, 59)


class ReplyTemplateFactory(DjangoModelFactory[ReplyTemplate]):
    class Meta:
        model = ReplyTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    body = "Hi {customer}, I am {first_name} from the team: we are on it. {link}"
    link = "https://acme.example/help"


class CareReplyFactory(DjangoModelFactory[CareReply]):
    class Meta:
        model = CareReply

    organization = factory.SelfAttribute("conversation.organization")
    conversation = factory.SubFactory(ConversationFactory)
    membership = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..organization")
    )
    text = "Hi, we are on it."
    network = factory.SelfAttribute("conversation.network")
    status = ReplyStatus.AWAITING_APPROVAL
