"""Conversations that do not come from polling: pushed by another tool through the signed
inbound webhook, sent to care by a member who saw a customer's post, or typed in by care
staff. Each goes through `incoming_ingest`, like a poll's posts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chorus.accounts.models import Membership, Organization
from chorus.care.models import (
    CareSettings,
    CareSource,
    CareTag,
    Conversation,
    Message,
    MessageDirection,
    Origin,
    Priority,
)
from chorus.care.models.sources import SOURCE_NETWORK
from chorus.care.services.ingest import incoming_ingest
from chorus.care.services.sources import source_account
from chorus.core.tenancy import across_organizations, in_organization
from chorus.core.validators import web_url_clean
from chorus.networks.base import Connection, Incoming, NetworkError
from chorus.networks.registry import LISTENING_NETWORKS, listening_adapter

logger = logging.getLogger(__name__)

MAX_TEXT = 10_000
# The networks a pasted link can belong to, by host; anything else with a Mastodon-like
# path (/@name/123) is tried as Mastodon, and the rest is "web".
HOSTS = {
    "bsky.app": "bluesky",
    "x.com": "x",
    "twitter.com": "x",
    "mobile.twitter.com": "x",
    "www.linkedin.com": "linkedin",
    "linkedin.com": "linkedin",
    "www.facebook.com": "facebook",
    "facebook.com": "facebook",
    "m.facebook.com": "facebook",
    "www.threads.net": "threads",
    "threads.net": "threads",
    "www.threads.com": "threads",
    "www.xing.com": "xing",
}
OTHER_NETWORK = "web"


class InboundRefused(Exception):
    """The webhook call is refused: `status` (400, 401, 404) and a message for the sender."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class InboundResult:
    conversation_id: int
    # The same post (or the same webhook-id) arrived before: nothing new was stored.
    duplicate: bool


def _text(payload: dict[str, Any], name: str, *, limit: int, required: bool = False) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise InboundRefused(400, _("“%(field)s” is required.") % {"field": name})
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InboundRefused(400, _("“%(field)s” must be a string.") % {"field": name})
    text = str(value).replace("\x00", "").strip()
    if len(text) > limit:
        raise InboundRefused(
            400,
            _("“%(field)s” is longer than %(limit)s characters.") % {"field": name, "limit": limit},
        )
    return text


def _moment(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InboundRefused(
            400, _("“posted_at” must be a date and time like 2030-03-04T10:00:00Z.")
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def inbound_payload_parse(payload: Any) -> tuple[Incoming, str, dict[str, Any]]:
    """The post, its network, and the conversation's subject, priority and tag names from a
    webhook's JSON; InboundRefused (400) saying what is wrong."""
    if not isinstance(payload, dict):
        raise InboundRefused(400, _("The body must be a JSON object."))
    author = payload.get("author") or {}
    if not isinstance(author, dict):
        raise InboundRefused(400, _("“author” must be an object with handle, name and url."))
    network = _text(payload, "network", limit=20).lower() or "webhook"
    url = _text(payload, "url", limit=2000)
    if url:
        try:
            url = web_url_clean(url)
        except ValidationError:
            raise InboundRefused(400, _("“url” must be a web address (https://...).")) from None
    author_url = _text(author, "url", limit=2000)
    if author_url:
        try:
            author_url = web_url_clean(author_url)
        except ValidationError:
            raise InboundRefused(
                400, _("“author.url” must be a web address (https://...).")
            ) from None
    priority = _text(payload, "priority", limit=10).lower()
    if priority and priority not in Priority.values:
        raise InboundRefused(
            400,
            _("“priority” must be one of %(choices)s.") % {"choices": ", ".join(Priority.values)},
        )
    tags = payload.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InboundRefused(400, _("“tags” must be a list of tag names."))
    item = Incoming(
        remote_id=_text(payload, "id", limit=300, required=True),
        url=url,
        text=_text(payload, "text", limit=MAX_TEXT, required=True),
        author_handle=_text(author, "handle", limit=300),
        author_name=_text(author, "name", limit=300),
        author_url=author_url,
        posted_at=_moment(payload.get("posted_at")),
        root_id=_text(payload, "thread_id", limit=300),
    )
    if not item.author_handle and not item.author_name:
        raise InboundRefused(400, _("“author” needs a handle or a name."))
    return (
        item,
        network,
        {
            "subject": _text(payload, "subject", limit=200),
            "priority": priority,
            "tags": [tag.strip()[:60] for tag in tags[:20] if tag.strip()],
        },
    )


def _settings_for_key(inbound_key: str) -> CareSettings:
    # The key is the address: unique across organizations, found before any scope is open.
    with across_organizations("an inbound webhook finds its organization by its key"):
        found = (
            CareSettings.objects.select_related("organization")
            .filter(inbound_key=inbound_key)
            .exclude(inbound_key="")
            .first()
            if inbound_key
            else None
        )
    if found is None or not found.inbound_secret:
        raise InboundRefused(404, _("No inbound webhook has this address."))
    return found


def inbound_organization(inbound_key: str) -> Organization:
    return _settings_for_key(inbound_key).organization


def _tags_named(organization: Organization, names: list[str]) -> list[CareTag]:
    if not names:
        return []
    wanted = {name.casefold() for name in names}
    return [
        tag
        for tag in CareTag.objects.filter(organization=organization)
        if tag.name.casefold() in wanted
    ]


def _conversation_of(organization: Organization, network: str, remote_id: str) -> int | None:
    return (
        Message.objects.filter(organization=organization, network=network, remote_id=remote_id)
        .values_list("conversation_id", flat=True)
        .first()
    )


def webhook_receive(*, inbound_key: str, body: bytes, headers: dict[str, str]) -> InboundResult:
    """A post pushed by another tool, signed per Standard Webhooks with the organization's
    secret: 404 for an unknown key, 401 for a bad or old signature, 400 for a payload that
    does not fit. A replayed webhook-id needs no list of ids seen: the signature covers
    the id, the timestamp and the body, so a replay repeats the same post, which is stored
    once (`care_message_once`) and answered with its conversation, like a sender's retry
    under a new webhook-id."""
    found = _settings_for_key(inbound_key)
    with in_organization(found.organization):
        return _webhook_store(found, body, headers)


def _webhook_store(found: CareSettings, body: bytes, headers: dict[str, str]) -> InboundResult:
    organization = found.organization
    try:
        Webhook(found.inbound_secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError as error:
        raise InboundRefused(
            401, _("The signature does not match (%(why)s).") % {"why": error}
        ) from None
    try:
        payload = json.loads(body)
    except ValueError:
        raise InboundRefused(400, _("The body is not valid JSON.")) from None
    item, network, details = inbound_payload_parse(payload)
    conversations = incoming_ingest(
        organization=organization,
        items=[item],
        network=network,
        origin=Origin.WEBHOOK,
        priority=details["priority"],
        tags=_tags_named(organization, details["tags"]),
        subject=details["subject"],
    )
    duplicate = not conversations
    conversation_id = _conversation_of(organization, network, item.remote_id)
    if conversation_id is None:  # pragma: no cover - stored above or before
        raise InboundRefused(400, _("The post could not be stored."))
    return InboundResult(conversation_id=conversation_id, duplicate=duplicate)


# Send to care ------------------------------------------------------------------------


def network_of(url: str) -> str:
    """The network a post's link belongs to, from its host (Mastodon from its path)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return OTHER_NETWORK
    host = (parts.hostname or "").lower()
    if host in HOSTS:
        return HOSTS[host]
    segments = [segment for segment in parts.path.split("/") if segment]
    if (len(segments) == 2 and segments[0].startswith("@") and segments[1].isdigit()) or (
        len(segments) == 4 and segments[0] == "users" and segments[2] == "statuses"
    ):
        return "mastodon"
    return OTHER_NETWORK


def _organization_account(organization: Organization, network: str) -> Connection | None:
    """An active source's credentials on that network, for networks that only show posts to
    a signed-in caller (X); None where there is none or it cannot sign in."""
    kinds = [kind for kind, name in SOURCE_NETWORK.items() if name == network]
    source = CareSource.objects.filter(
        organization=organization, is_active=True, kind__in=kinds
    ).first()
    if source is None:
        return None
    try:
        return source_account(source)
    except (NetworkError, ValueError):
        return None


def post_read(*, organization: Organization, url: str) -> tuple[str, Incoming]:
    """The network and the post at `url` (its text and author) where the network lets
    Chorus read it; ValueError with the reason otherwise (the member then types them)."""
    try:
        url = web_url_clean(url)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    network = network_of(url)
    if network not in LISTENING_NETWORKS:
        raise ValueError(
            _("Chorus cannot read posts from this site; type the post's text and its author.")
        )
    adapter = listening_adapter(network)
    try:
        return network, adapter.lookup(url, account=_organization_account(organization, network))
    except NetworkError as error:
        raise ValueError(error.message) from None


def _note_add(conversation_id: int, membership: Membership, note: str) -> None:
    if note.strip():
        Message.objects.create(
            organization=membership.organization,
            conversation_id=conversation_id,
            direction=MessageDirection.NOTE,
            membership=membership,
            text=note.strip()[:MAX_TEXT],
        )


@dataclass(frozen=True)
class SendResult:
    conversation: Conversation
    # The post was in care already: the member's note joined its conversation.
    joined: bool


def conversation_send(
    *,
    membership: Membership,
    url: str,
    text: str,
    author_handle: str,
    author_name: str = "",
    note: str = "",
    item: Incoming | None = None,
    network: str = "",
) -> SendResult:
    """A member sends a customer's post to care: `item` as Chorus read it from `url`, or
    what the member typed (`text`, `author_handle`). The same post sent again joins its
    conversation. ValidationError for missing pieces."""
    organization = membership.organization
    try:
        url = web_url_clean(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    network = network or network_of(url)
    if item is None:
        errors = {}
        if not text.strip():
            errors["text"] = _("Type what the customer wrote.")
        if not author_handle.strip():
            errors["author_handle"] = _("Type who wrote it (their handle or name).")
        if errors:
            raise ValidationError(errors)
        item = Incoming(
            remote_id=url[:300],
            url=url,
            text=text.strip()[:MAX_TEXT],
            author_handle=author_handle.strip()[:300],
            author_name=author_name.strip()[:300],
        )
    existing = (
        Message.objects.filter(organization=organization)
        .filter(remote_url=item.url or url)
        .exclude(remote_url="")
        .values_list("conversation_id", flat=True)
        .first()
    ) or _conversation_of(organization, network, item.remote_id)
    with transaction.atomic():
        if existing is None:
            touched = incoming_ingest(
                organization=organization,
                items=[item],
                network=network,
                origin=Origin.MEMBER,
                created_by=membership,
            )
            existing = _conversation_of(organization, network, item.remote_id)
            joined = not touched
        else:
            joined = True
        assert existing is not None
        _note_add(existing, membership, note)
    conversation = Conversation.objects.get(organization=organization, pk=existing)
    return SendResult(conversation=conversation, joined=joined)


# Manual entry -----------------------------------------------------------------------


def conversation_enter(
    *,
    membership: Membership,
    network: str,
    customer_handle: str,
    text: str,
    url: str = "",
    customer_name: str = "",
    priority: str = Priority.NORMAL,
    tags: list[CareTag] | None = None,
    subject: str = "",
) -> Conversation:
    """Care staff type a case in (a phone call, an email, a post Chorus cannot read)."""
    organization = membership.organization
    errors: dict[str, str | list[str]] = {}
    if not text.strip():
        errors["text"] = _("Type what the customer wrote.")
    if not customer_handle.strip():
        errors["customer_handle"] = _("Type who the customer is (a handle, a name, an address).")
    if priority not in Priority.values:
        errors["priority"] = _("Choose a priority.")
    if url:
        try:
            url = web_url_clean(url)
        except ValidationError as error:
            errors["url"] = error.messages
    network = (network or OTHER_NETWORK)[:20]
    if tags and any(tag.organization_id != organization.pk for tag in tags):
        errors["tags"] = _("Choose tags of your organization.")
    if errors:
        raise ValidationError(errors)
    item = Incoming(
        # Without a link the case is its own conversation; with one, the post is stored once.
        remote_id=url[:300],
        url=url,
        text=text.strip()[:MAX_TEXT],
        author_handle=customer_handle.strip()[:300],
        author_name=customer_name.strip()[:300],
    )
    if url:
        existing = _conversation_of(organization, network, url[:300])
        if existing is not None:
            raise ValidationError(
                {
                    "url": _("This post is in care already (conversation #%(id)s).")
                    % {"id": existing}
                }
            )
    touched = incoming_ingest(
        organization=organization,
        items=[item],
        network=network,
        origin=Origin.MANUAL,
        created_by=membership,
        priority=priority,
        tags=tags or [],
        subject=subject.strip(),
    )
    return Conversation.objects.get(organization=organization, pk=touched[0].pk)
