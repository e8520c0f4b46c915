"""The events Chorus sends to webhooks, with what each payload's `data` holds.

Payloads are versioned JSON: {"type": ..., "version": 1, "timestamp": ..., "data": {...}}.
A member appears as {"id": membership id, "name": display name}: never an email address
(no event type needs one). A change that removes or renames a field raises PAYLOAD_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PAYLOAD_VERSION = 1
TEST_EVENT = "webhook.test"
# Unique clicks on one link (a visitor's first click on it in 24 hours) that send
# link.click_milestone once each.
CLICK_MILESTONES = (10, 100, 1000, 10000)


@dataclass(frozen=True)
class EventType:
    name: str
    label: Promise
    data: tuple[str, ...]


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "post.published",
        _("A post was published to the feed"),
        ("post.id", "post.title", "post.link_url", "post.url", "published_at"),
    ),
    EventType(
        "share.created",
        _("A member shared or scheduled a post"),
        (
            "share.id",
            "share.post_id",
            "share.network",
            "share.status",
            "share.scheduled_at",
            "member",
        ),
    ),
    EventType(
        "share.confirmed",
        _("A share was confirmed as posted"),
        (
            "share.id",
            "share.post_id",
            "share.network",
            "share.published_url",
            "confirmed_at",
            "member",
        ),
    ),
    EventType(
        "link.click_milestone",
        _("A shared link reached 10, 100, 1,000 or 10,000 unique clicks"),
        (
            "link.id",
            "link.short_url",
            "link.post_id",
            "link.network",
            "milestone",
            "unique_clicks",
            "member",
        ),
    ),
    EventType(
        "member.joined_program", _("A member joined the advocacy program"), ("member", "joined_at")
    ),
    EventType(
        "member.left_program", _("A member left the advocacy program"), ("member", "left_at")
    ),
    EventType(
        "certification.earned",
        _("A member earned a certification"),
        (
            "certificate.id",
            "certificate.issued_at",
            "certificate.expires_at",
            "certification.id",
            "certification.name",
            "member",
        ),
    ),
    EventType(
        "care.conversation_opened",
        _("A customer care conversation was opened"),
        (
            "conversation.id",
            "conversation.url",
            "conversation.network",
            "conversation.priority",
            "conversation.language",
            "conversation.opened_at",
        ),
    ),
    EventType(
        "care.conversation_answered",
        _("A reply to a customer was published"),
        (
            "conversation.id",
            "conversation.url",
            "reply.id",
            "reply.published_url",
            "reply.published_at",
            "member",
        ),
    ),
    EventType(
        "reward.requested",
        _("A member asked for a reward"),
        (
            "request.id",
            "request.requested_at",
            "reward.id",
            "reward.name",
            "reward.price",
            "member",
        ),
    ),
)
EVENT_NAMES = tuple(event.name for event in EVENT_TYPES)


def event_label(name: str) -> str:
    for event in EVENT_TYPES:
        if event.name == name:
            return str(event.label)
    if name == TEST_EVENT:
        return str(_("A test event"))
    return name
