"""Each event type leaves from the place where it happens, signed, with its documented
fields and no email address."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.actions.members import member_join_program, member_leave_program
from chorus.care.models import Origin, ReplyStatus
from chorus.care.services.ingest import incoming_ingest
from chorus.care.services.replies import reply_mark_published
from chorus.content.models import Caption, PostState
from chorus.content.services.posts import post_publish
from chorus.factories import CareReplyFactory, MembershipFactory, PostFactory
from chorus.gamification.models import PointRule, Reward, Rule, Source
from chorus.gamification.services.points import points_award
from chorus.gamification.services.rewards import reward_request
from chorus.links.clicks import clicks_store
from chorus.links.sinks import ClickRecord
from chorus.links.visitors import visitor_key
from chorus.networks.base import Incoming
from chorus.sharing.services.intents import share_intent_done, share_intent_open
from chorus.training.models import Certification
from chorus.training.services.certification import certificate_issue
from chorus.webhooks.catalog import EVENT_TYPES
from chorus.webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db
LINK = "https://acme.example/news/launch"


def only(receiver: Any, event_type: str) -> dict[str, Any]:
    [message] = receiver.of_type(event_type)
    assert message.verified is not None
    payload: dict[str, Any] = message.verified
    assert payload["version"] == 1 and payload["timestamp"].endswith("Z")
    assert "@" not in message.body.decode(), "no email address in a payload"
    documented = next(event for event in EVENT_TYPES if event.name == event_type).data
    for path in documented:
        value: Any = payload["data"]
        for part in path.split("."):
            assert part in value, f"{event_type}: {path} missing"
            value = value[part]
    data: dict[str, Any] = payload["data"]
    return data


@pytest.fixture
def member(organization: Any) -> Any:
    return MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__name="Emma Stone",
        user__email="emma.stone@acme.test",
    )


def test_a_published_post_is_sent(
    organization, endpoint, receiver, admin_member, django_capture_on_commit_callbacks
):
    post = PostFactory(organization=organization, state=PostState.APPROVED, link_url=LINK)
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(post=post, actor=admin_member.user)
    data = only(receiver, "post.published")
    assert data["post"]["id"] == post.pk and data["post"]["link_url"] == LINK
    assert data["post"]["url"] == f"https://chorus.example/manage/posts/{post.pk}/"
    delivery = WebhookDelivery.objects.get(event_type="post.published")
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_status == 200
    assert receiver.received[0].headers["webhook-id"] == delivery.message_id


def test_a_share_made_and_confirmed_is_sent(
    organization, endpoint, receiver, member, django_capture_on_commit_callbacks
):
    post = PostFactory(organization=organization, state=PostState.LIVE, link_url=LINK)
    Caption.objects.create(post=post, network="x", text=f"We launched! {LINK}")
    with django_capture_on_commit_callbacks(execute=True):
        opened = share_intent_open(post=post, membership=member, network="x", text="Launched!")
    created = only(receiver, "share.created")
    assert created["share"] == {
        "id": opened.share.pk,
        "post_id": post.pk,
        "network": "x",
        "status": "opened",
        "scheduled_at": None,
    }
    assert created["member"] == {"id": member.pk, "name": "Emma Stone"}
    with django_capture_on_commit_callbacks(execute=True):
        share_intent_done(share=opened.share, membership=member)
    confirmed = only(receiver, "share.confirmed")
    assert confirmed["share"]["id"] == opened.share.pk and confirmed["share"]["status"] == "shared"


def test_a_link_passing_ten_unique_clicks_is_sent_once(
    organization, endpoint, receiver, member, django_capture_on_commit_callbacks
):
    post = PostFactory(organization=organization, state=PostState.LIVE, link_url=LINK)
    Caption.objects.create(post=post, network="x", text=f"We launched! {LINK}")
    share = share_intent_open(post=post, membership=member, network="x", text="Hi").share
    day = timezone.now().date()

    def clicks(first: int, last: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            clicks_store(
                [
                    ClickRecord(
                        event_id=f"c{n}",
                        moment=time.time(),
                        link_id=share.link_id,
                        organization_id=organization.pk,
                        visitor=visitor_key(f"198.51.100.{n}", "Firefox", day),
                    )
                    for n in range(first, last)
                ]
            )

    clicks(0, 9)
    assert receiver.of_type("link.click_milestone") == []
    clicks(9, 12)
    data = only(receiver, "link.click_milestone")
    assert data["milestone"] == 10 and data["unique_clicks"] == 12
    assert data["link"]["id"] == share.link_id and data["link"]["short_url"].endswith(
        share.link.code
    )
    clicks(12, 15)
    assert len(receiver.of_type("link.click_milestone")) == 1


def test_joining_and_leaving_the_program_are_sent(
    organization, endpoint, receiver, django_capture_on_commit_callbacks
):
    newcomer = MembershipFactory(organization=organization, user__name="Noah Berg")
    with django_capture_on_commit_callbacks(execute=True):
        member_join_program(membership=newcomer, actor=newcomer.user, terms_version=1)
    assert only(receiver, "member.joined_program")["member"] == {
        "id": newcomer.pk,
        "name": "Noah Berg",
    }
    with django_capture_on_commit_callbacks(execute=True):
        member_leave_program(membership=newcomer, actor=newcomer.user)
    assert only(receiver, "member.left_program")["member"]["id"] == newcomer.pk


def test_a_certificate_earned_is_sent(
    organization, endpoint, receiver, member, django_capture_on_commit_callbacks
):
    certification = Certification.objects.create(organization=organization, name="Social media")
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(membership=member, certification=certification)
    data = only(receiver, "certification.earned")
    assert data["certificate"]["id"] == certificate.pk
    assert data["certification"] == {"id": certification.pk, "name": "Social media"}


def test_care_conversations_opened_and_answered_are_sent(
    organization, endpoint, receiver, member, django_capture_on_commit_callbacks
):
    item = Incoming(
        remote_id="1",
        url="https://mastodon.example/@carla/1",
        text="My order never arrived, can you help me please?",
        author_handle="@carla@mastodon.example",
        author_name="Carla",
        posted_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        [conversation] = incoming_ingest(
            organization=organization, items=[item], network="mastodon", origin=Origin.MANUAL
        )
    opened = only(receiver, "care.conversation_opened")
    assert opened["conversation"]["id"] == conversation.pk
    assert "carla" not in receiver.received[0].body.decode().lower(), "no customer data"

    reply = CareReplyFactory(
        organization=organization,
        conversation=conversation,
        membership=member,
        status=ReplyStatus.PUBLISHING,
    )
    with django_capture_on_commit_callbacks(execute=True):
        reply_mark_published(reply=reply, remote_id="r1", remote_url="https://mastodon.example/r1")
    answered = only(receiver, "care.conversation_answered")
    assert answered["reply"]["id"] == reply.pk
    assert answered["reply"]["published_url"] == "https://mastodon.example/r1"
    assert answered["member"]["id"] == member.pk


def test_a_reward_request_is_sent(
    organization, endpoint, receiver, member, django_capture_on_commit_callbacks
):
    PointRule.objects.update_or_create(
        organization=organization, rule=Rule.COURSE, defaults={"points": 1, "daily_cap": 0}
    )
    points_award(membership=member, rule=Rule.COURSE, source=Source.COURSE, source_id=1, count=50)
    mug = Reward.objects.create(organization=organization, name="Mug", price=20, stock=3)
    with django_capture_on_commit_callbacks(execute=True):
        request = reward_request(membership=member, reward=mug)
    data = only(receiver, "reward.requested")
    assert data["request"]["id"] == request.pk
    assert data["reward"] == {"id": mug.pk, "name": "Mug", "price": 20}


def test_a_rolled_back_change_sends_nothing(
    organization, endpoint, receiver, member, django_capture_on_commit_callbacks
):
    mug = Reward.objects.create(organization=organization, name="Mug", price=20, stock=3)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        reward_request(membership=member, reward=mug)  # no points: refused, rolled back
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_unsubscribed_types_and_other_organizations_get_nothing(
    organization, admin_member, receiver, member, django_capture_on_commit_callbacks
):
    from chorus.factories import OrganizationFactory
    from chorus.webhooks.services.endpoints import EndpointFields, endpoint_create

    other = OrganizationFactory(name="Globex", slug="globex")
    endpoint_create(
        organization=other,
        actor=admin_member.user,
        fields=EndpointFields(url=receiver.url, description="", event_types=["post.published"]),
    )
    endpoint_create(
        organization=organization,
        actor=admin_member.user,
        fields=EndpointFields(url=receiver.url, description="", event_types=["share.created"]),
    )
    post = PostFactory(organization=organization, state=PostState.APPROVED, link_url=LINK)
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(post=post, actor=admin_member.user)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()
