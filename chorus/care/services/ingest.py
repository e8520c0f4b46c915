"""Ingestion: posts read from a network, pushed by a webhook, sent by a member or typed in
become messages of conversations, once each, in their thread.

`incoming_ingest` is the one way in, for a single post or a poll's 10,000. It reads what it
needs in a few batched queries (messages already stored, threads already known) and writes
with bulk inserts. Two ingests of the same posts at the same moment (a poll overlapping a
webhook) meet the database's constraints (`care_message_once`,
`care_one_conversation_per_thread`): the loser starts over one post at a time, each in its
own savepoint, and skips what the other stored.

Sentiment stays None: no maintained library reads sentiment offline in many languages
(VADER and TextBlob read English only; the multilingual ones are models to download and
host), and the issue makes it optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from chorus.accounts.models import Membership, Organization
from chorus.care.models import (
    CareSource,
    CareTag,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    Priority,
)
from chorus.care.services.replies import conversation_url
from chorus.care.services.routing import conversations_route
from chorus.care.services.targets import care_settings_for, conversation_targets_set
from chorus.networks.base import Incoming
from chorus.webhooks.services.events import absolute_url, webhook_emit

# How many ids one query asks about (well under SQLite's bound on variables).
CHUNK = 900

# Language detection. py3langid's probabilities are calibrated for the text's length, so the
# top language is kept when it is at least this sure and the text has enough letters to
# judge ("ok thanks" is 55 % English, "The app crashes on login" 32 %): a wrong language
# would route a conversation to someone who cannot read it, an empty one routes it to
# anyone. We do not restrict the candidates to a list of languages: an organization's
# customers write in whatever they speak, and a list would force a guess among it.
LANGUAGE_MIN_LETTERS = 12
LANGUAGE_MIN_CONFIDENCE = 0.75
NOISE = re.compile(r"https?://\S+|[@#][\w.@-]+", re.UNICODE)


@cache
def _identifier() -> Any:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_detect(text: str, *, declared: str = "") -> str:
    """The text's language (ISO 639-1), or `declared` (what the author's network says) when
    the text is too short or too mixed to judge, or empty."""
    words = NOISE.sub(" ", text)
    if sum(1 for letter in words if letter.isalpha()) >= LANGUAGE_MIN_LETTERS:
        language, confidence = _identifier().classify(words)
        if confidence >= LANGUAGE_MIN_CONFIDENCE:
            return str(language)
    return declared.split("-")[0].lower()[:10]


@dataclass
class _Pending:
    """A conversation this ingest creates, and the messages it gets."""

    conversation: Conversation
    messages: list[Message] = field(default_factory=list)


def _cut(value: str, length: int) -> str:
    return (value or "")[:length]


def _posted(item: Incoming, now: datetime) -> datetime:
    moment = item.posted_at or now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    # A clock ahead of ours must not open a conversation in the future.
    return min(moment, now)


def thread_key(network: str, item: Incoming) -> str:
    return _cut(f"{network}:{item.root_id or item.remote_id}", 600) if item.remote_id else ""


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _stored_ids(organization: Organization, network: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(
            Message.objects.filter(
                organization=organization, network=network, remote_id__in=chunk
            ).values_list("remote_id", flat=True)
        )
    return found


def _message_conversations(
    organization: Organization, network: str, ids: Sequence[str]
) -> dict[str, int]:
    """The conversation each stored message (by remote id) belongs to."""
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        found.update(
            Message.objects.filter(
                organization=organization, network=network, remote_id__in=chunk
            ).values_list("remote_id", "conversation_id")
        )
    return found


def _thread_conversations(organization: Organization, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        found.update(
            Conversation.objects.filter(
                organization=organization, thread_key__in=chunk
            ).values_list("thread_key", "id")
        )
    return found


def _message(
    organization: Organization, network: str, item: Incoming, posted_at: datetime, now: datetime
) -> Message:
    return Message(
        organization=organization,
        direction=MessageDirection.CUSTOMER,
        network=network,
        remote_id=_cut(item.remote_id, 300),
        remote_url=_cut(item.url, 2000),
        parent_remote_id=_cut(item.parent_id, 300),
        root_remote_id=_cut(item.root_id, 300),
        extra=dict(item.extra),
        author_handle=_cut(item.author_handle, 300),
        author_name=_cut(item.author_name, 300),
        text=item.text,
        language=language_detect(item.text, declared=item.language),
        posted_at=posted_at,
        created_at=now,
    )


@dataclass
class _Batch:
    """What one ingest decided before writing."""

    new: list[_Pending] = field(default_factory=list)
    # Messages joining conversations that were already stored, by conversation id.
    joining: dict[int, list[Message]] = field(default_factory=dict)


def _plan(
    *,
    organization: Organization,
    items: Sequence[Incoming],
    network: str,
    origin: str,
    source: CareSource | None,
    created_by: Membership | None,
    priority: str,
    subject: str,
    now: datetime,
) -> _Batch:
    """Which post starts a conversation and which joins one, in a few batched reads."""
    ids = [item.remote_id for item in items if item.remote_id]
    stored = _stored_ids(organization, network, ids)
    fresh: list[Incoming] = []
    seen: set[str] = set()
    for item in items:
        if item.remote_id:
            if item.remote_id in stored or item.remote_id in seen:
                continue
            seen.add(item.remote_id)
        fresh.append(item)
    # Oldest first, so that a reply in the same batch finds the post it answers.
    fresh.sort(key=lambda item: _posted(item, now))
    related = sorted({i for item in fresh for i in (item.parent_id, item.root_id) if i})
    by_message = _message_conversations(organization, network, related)
    keys = sorted({key for item in fresh if (key := thread_key(network, item))})
    by_thread = _thread_conversations(organization, keys)
    found_settings = care_settings_for(organization=organization)

    batch = _Batch()
    # Conversations started in this batch, by the remote ids of their messages and by key.
    pending_by_message: dict[str, _Pending] = {}
    pending_by_thread: dict[str, _Pending] = {}
    for item in fresh:
        posted_at = _posted(item, now)
        message = _message(organization, network, item, posted_at, now)
        key = thread_key(network, item)
        stored_id = (
            by_message.get(item.parent_id)
            or by_message.get(item.root_id)
            or (by_thread.get(key) if key else None)
        )
        if stored_id is not None:
            batch.joining.setdefault(stored_id, []).append(message)
            if item.remote_id:
                by_message[item.remote_id] = stored_id
            continue
        pending = (
            pending_by_message.get(item.parent_id)
            or pending_by_message.get(item.root_id)
            or (pending_by_thread.get(key) if key else None)
        )
        if pending is None:
            conversation = Conversation(
                organization=organization,
                network=network,
                origin=origin,
                source=source,
                thread_key=key,
                subject=_cut(subject, 200),
                customer_handle=_cut(item.author_handle, 300),
                customer_name=_cut(item.author_name, 300),
                customer_url=_cut(item.author_url, 2000),
                language=message.language,
                priority=priority,
                created_by=created_by,
                opened_at=posted_at,
                last_message_at=posted_at,
            )
            conversation_targets_set(conversation=conversation, found=found_settings, save=False)
            pending = _Pending(conversation=conversation)
            batch.new.append(pending)
            if key:
                pending_by_thread[key] = pending
        pending.messages.append(message)
        if item.remote_id:
            pending_by_message[item.remote_id] = pending
    return batch


def _reopen(conversation: Conversation, messages: list[Message]) -> None:
    """A new customer message brings a conversation back: the latest time, and a closed or
    answered one needs someone again."""
    latest = max(message.posted_at for message in messages)
    conversation.last_message_at = max(conversation.last_message_at, latest)
    if conversation.status in (ConversationStatus.CLOSED, ConversationStatus.ANSWERED):
        conversation.status = (
            ConversationStatus.ASSIGNED if conversation.assignee_id else ConversationStatus.NEW
        )
        conversation.resolved_at = None


def _write(batch: _Batch, tags: Sequence[CareTag]) -> list[Conversation]:
    """Store the batch (inside a transaction): bulk inserts, one update per joined thread."""
    created = Conversation.objects.bulk_create([pending.conversation for pending in batch.new])
    for conversation in created:
        webhook_emit(
            organization=conversation.organization_id,
            event_type="care.conversation_opened",
            data={
                "conversation": {
                    "id": conversation.pk,
                    "url": absolute_url(conversation_url(conversation.pk)),
                    "network": conversation.network,
                    "priority": conversation.priority,
                    "language": conversation.language,
                    "opened_at": conversation.opened_at.isoformat(),
                }
            },
        )
    messages: list[Message] = []
    for pending in batch.new:
        for message in pending.messages:
            message.conversation = pending.conversation
            messages.append(message)
    joined: list[Conversation] = []
    if batch.joining:
        joined = list(Conversation.objects.filter(pk__in=list(batch.joining)))
        for conversation in joined:
            for message in batch.joining[conversation.pk]:
                message.conversation = conversation
                messages.append(message)
            _reopen(conversation, batch.joining[conversation.pk])
        Conversation.objects.bulk_update(
            joined, ["last_message_at", "status", "resolved_at", "updated_at"]
        )
    Message.objects.bulk_create(messages, batch_size=500)
    if tags and created:
        through = Conversation.tags.through
        through.objects.bulk_create(
            [
                through(conversation_id=conversation.pk, caretag_id=tag.pk)
                for conversation in created
                for tag in tags
            ],
            batch_size=500,
        )
    return [*created, *joined]


def incoming_ingest(
    *,
    organization: Organization,
    items: list[Incoming],
    network: str,
    origin: str,
    source: CareSource | None = None,
    created_by: Membership | None = None,
    priority: str = "",
    tags: Sequence[CareTag] | None = None,
    subject: str = "",
) -> list[Conversation]:
    """Store `items` (posts of one network) as customer messages and return the
    conversations they started or joined; routing then offers the open ones.

    A post already stored (same network and remote id) is skipped. A post whose parent or
    root is a stored message joins that message's conversation; one of a known thread
    (`<network>:<root or own id>`) joins the thread's; any other starts a conversation,
    with the source's default priority and tags (or those given: a webhook's payload), its
    targets set from when the customer posted. A closed or answered conversation that gets
    a new message opens again (assigned again when it has an assignee).
    """
    if not items:
        return []
    now = timezone.now()
    if tags is None:
        tags = list(source.default_tags.all()) if source is not None and source.pk else []
    chosen = priority or (source.default_priority if source is not None else "")
    if chosen not in Priority.values:
        chosen = Priority.NORMAL
    options: dict[str, Any] = {
        "organization": organization,
        "network": network,
        "origin": origin,
        "source": source,
        "created_by": created_by,
        "priority": chosen,
        "subject": subject,
        "now": now,
    }
    try:
        with transaction.atomic():
            touched = _write(_plan(items=items, **options), tags)
    except IntegrityError:
        # Another ingest stored some of these posts (or started one of their threads) at
        # the same moment: one post at a time, each seeing what the others stored.
        touched = []
        for item in items:
            try:
                with transaction.atomic():
                    touched.extend(_write(_plan(items=[item], **options), tags))
            except IntegrityError:
                continue
    unique = list({conversation.pk: conversation for conversation in touched}.values())
    _route(organization, unique)
    return unique


def _route(organization: Organization, conversations: list[Conversation]) -> None:
    waiting = [c.pk for c in conversations if c.status == ConversationStatus.NEW]
    if waiting:
        conversations_route(organization=organization, conversation_ids=waiting)
