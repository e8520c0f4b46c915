"""Third-party content: RSS/Atom sources, polling, and the curation queue."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.content.feeds import (
    FeedEntry,
    FeedError,
    FeedRefused,
    FeedResponse,
    discover_feed,
    fetch_feed,
    poll_interval_minutes,
    summary_text,
)
from chorus.content.models import (
    ItemStatus,
    Post,
    Source,
    SourceItem,
)
from chorus.content.services.posts import post_create
from chorus.core.audit import audit_record
from chorus.core.http import FetchError, RefusedAddress
from chorus.core.validators import web_url_clean

logger = logging.getLogger(__name__)
ENTRIES_PER_POLL = 200
SOURCE_ADD_TIMEOUT = 5.0
SOURCES_PER_RUN = 100
# A source handed to the worker is not handed out again for this long, even if the
# worker has not got to it yet (a poll normally ends long before).
SOURCE_CLAIM_MINUTES = 15


class FeedUnavailable(ValidationError):
    """The feed could not be read right now (down, slow, not published yet): the source
    may still be saved, to be polled again with the poller's backoff."""


def source_create(
    *,
    organization: Organization,
    actor: User | None,
    url: str,
    title: str = "",
    retry_later: bool = False,
) -> Source:
    """Add a feed (or the feed a page advertises), fetching it once with a short timeout.

    A feed that cannot be read right now raises FeedUnavailable, unless `retry_later`:
    then the source is saved with the failure on it and polled again later. An address
    refused for good (not http(s), a private or local network, a feed declaring entities)
    is a plain ValidationError either way.
    """
    url = web_url_clean(url)
    now = timezone.now()
    try:
        response: FeedResponse | None = discover_feed(url, timeout=SOURCE_ADD_TIMEOUT)
    except (RefusedAddress, FeedRefused) as error:
        raise ValidationError(
            _("This source cannot be added: %(reason)s.") % {"reason": error}
        ) from error
    except (FetchError, FeedError) as error:
        if not retry_later:
            raise FeedUnavailable(
                _("This feed cannot be read right now: %(reason)s.") % {"reason": error}
            ) from error
        response, failure = None, str(error)
    feed_url = response.feed_url if response is not None else ""
    if _source_exists(organization=organization, url=url, feed_url=feed_url):
        raise ValidationError(_("This feed is already a source."))
    feed_title = response.feed.title if response is not None and response.feed else ""
    with transaction.atomic():
        source = Source.objects.create(
            organization=organization,
            url=url,
            feed_url=feed_url,
            title=(" ".join(title.split()) or feed_title)[:300],
            created_by=actor,
        )
        if response is not None:
            _source_store(source=source, response=response, now=now)
        else:
            _source_failed(source=source, reason=failure, now=now)
        audit_record(
            organization=organization,
            actor=actor,
            action="source.created",
            target=source,
            data={"feed_url": source.feed_url, "retry_later": response is None},
        )
    return source


def _source_exists(*, organization: Organization, url: str, feed_url: str) -> bool:
    """Whether a source already reads this feed (or, its feed not known yet, this address)."""
    addresses = {address for address in (url, feed_url) if address}
    sources = Source.objects.filter(organization=organization)
    if feed_url:
        return (
            sources.filter(feed_url=feed_url).exists()
            or sources.filter(feed_url="", url__in=addresses).exists()
        )
    return sources.filter(Q(url=url) | Q(feed_url=url)).exists()


def source_update(*, source: Source, actor: User | None, title: str, enabled: bool) -> Source:
    fields = ["title", "enabled"]
    if enabled and not source.enabled:
        # Switched back on: poll at the next tick, with a clean slate.
        source.next_poll_at = timezone.now()
        source.consecutive_failures = 0
        fields += ["next_poll_at", "consecutive_failures"]
    source.title = " ".join(title.split())[:300]
    source.enabled = enabled
    source.save(update_fields=fields)
    audit_record(
        organization=source.organization,
        actor=actor,
        action="source.updated",
        target=source,
        data={"title": source.title, "enabled": enabled},
    )
    return source


def source_delete(*, source: Source, actor: User | None) -> None:
    """Delete a source and its queue items (posts made from them stay)."""
    audit_record(
        organization=source.organization, actor=actor, action="source.deleted", target=source
    )
    source.delete()


def source_poll_now(*, source: Source, actor: User | None) -> None:
    """Ask the worker to poll this source now (the conditional headers still apply)."""
    from chorus.content.tasks import source_poll as source_poll_task

    source.next_poll_at = timezone.now() + timedelta(minutes=SOURCE_CLAIM_MINUTES)
    source.save(update_fields=["next_poll_at"])
    source_id = source.pk
    transaction.on_commit(lambda: source_poll_task.enqueue(source_id=source_id))


def sources_poll_due(*, limit: int = SOURCES_PER_RUN) -> int:
    """Hand the worker the enabled sources whose next poll has come; returns how many."""
    from chorus.content.tasks import source_poll as source_poll_task

    now = timezone.now()
    due = Source.objects.filter(enabled=True, next_poll_at__lte=now).order_by("next_poll_at")
    claimed: list[int] = []
    for source_id in due.values_list("pk", flat=True)[:limit]:
        # Claim each one, so two schedulers (or a slow worker) never poll it twice.
        claim = Source.objects.filter(pk=source_id, next_poll_at__lte=now)
        if claim.update(next_poll_at=now + timedelta(minutes=SOURCE_CLAIM_MINUTES)):
            claimed.append(source_id)
    for source_id in claimed:
        transaction.on_commit(functools.partial(source_poll_task.enqueue, source_id=source_id))
    return len(claimed)


def source_poll(*, source_id: int) -> str:
    """Poll one source and store what is new; any failure is recorded on the source.

    Never raises for a bad feed: one broken source must not stop the others.
    """
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return "skipped"
    now = timezone.now()
    try:
        if source.feed_url:
            response = fetch_feed(
                source.feed_url, etag=source.etag, last_modified=source.last_modified
            )
        else:
            # Saved before its feed could be read: find it now (the address may be a page).
            response = discover_feed(source.url)
            _check_not_a_duplicate(source=source, feed_url=response.feed_url)
        with transaction.atomic():
            added = _source_store(source=source, response=response, now=now)
    except (FetchError, FeedError) as error:
        _source_failed(source=source, reason=str(error), now=now)
        return f"failed: {error}"
    except Exception:
        logger.exception("Polling source %s failed unexpectedly", source_id)
        _source_failed(source=source, reason="the feed could not be read", now=now)
        return "failed"
    return "not modified" if response.feed is None else f"{added} new"


def _check_not_a_duplicate(*, source: Source, feed_url: str) -> None:
    other = (
        Source.objects.filter(organization_id=source.organization_id, feed_url=feed_url)
        .exclude(pk=source.pk)
        .first()
    )
    if other is not None:
        raise FeedError(
            _("this feed is already the source “%(other)s”; delete one of the two")
            % {"other": other}
        )


def _source_failed(*, source: Source, reason: str, now: datetime) -> None:
    source.consecutive_failures += 1
    source.last_error = reason[:500]
    source.last_polled_at = now
    minutes = poll_interval_minutes(source.consecutive_failures)
    source.next_poll_at = now + timedelta(minutes=minutes)
    source.save(
        update_fields=["consecutive_failures", "last_error", "last_polled_at", "next_poll_at"]
    )
    logger.info("Source %s failed (%s); next poll in %s minutes", source.pk, reason, minutes)


def _source_store(*, source: Source, response: FeedResponse, now: datetime) -> int:
    """Record a successful poll and queue the feed's new items; returns how many.

    Must run inside transaction.atomic.
    """
    added = 0
    if response.feed is not None:
        added = _source_items_add(source=source, entries=response.feed.entries, now=now)
        source.title = source.title or response.feed.title
    source.feed_url = source.feed_url or response.feed_url
    source.etag = response.etag
    source.last_modified = response.last_modified
    source.last_polled_at = now
    source.last_success_at = now
    source.last_error = ""
    source.consecutive_failures = 0
    source.next_poll_at = now + timedelta(minutes=poll_interval_minutes(0))
    source.save(
        update_fields=[
            "title",
            "feed_url",
            "etag",
            "last_modified",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "consecutive_failures",
            "next_poll_at",
        ]
    )
    return added


def _source_items_add(*, source: Source, entries: list[FeedEntry], now: datetime) -> int:
    """Queue entries not seen before: by id within the source, by canonical URL in the org."""
    entries = entries[:ENTRIES_PER_POLL]
    guids = {entry.guid for entry in entries}
    seen_guids = set(
        SourceItem.objects.filter(source=source, guid__in=guids).values_list("guid", flat=True)
    )
    urls = {entry.canonical_url for entry in entries if entry.canonical_url}
    seen_urls = set(
        SourceItem.objects.filter(
            organization_id=source.organization_id, canonical_url__in=urls
        ).values_list("canonical_url", flat=True)
    )
    items = []
    for entry in entries:
        if entry.guid in seen_guids or (entry.canonical_url and entry.canonical_url in seen_urls):
            continue
        seen_guids.add(entry.guid)
        seen_urls.add(entry.canonical_url)
        items.append(
            SourceItem(
                organization_id=source.organization_id,
                source=source,
                guid=entry.guid,
                url=entry.url,
                canonical_url=entry.canonical_url,
                title=entry.title,
                summary=entry.summary,
                image_url=entry.image_url,
                published_at=entry.published_at,
                created_at=now,
            )
        )
    # ignore_conflicts: a poll of the same source running at the same moment wins quietly.
    SourceItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)


@transaction.atomic
def source_item_create_draft(*, item: SourceItem, actor: User | None) -> Post:
    """Turn a queue item into a draft post (title, link, summary as commentary)."""
    item = SourceItem.objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.USED:
        raise ValidationError(_("This item is already a post."))
    post = post_create(
        organization=item.organization,
        actor=actor,
        title=item.title or item.url or _("Untitled item"),
        commentary=summary_text(item.summary),
        link_url=item.url,
    )
    item.status = ItemStatus.USED
    item.post = post
    item.save(update_fields=["status", "post"])
    audit_record(
        organization=item.organization,
        actor=actor,
        action="source_item.used",
        target=item,
        data={"post_id": post.pk},
    )
    return post


def source_item_dismiss(*, item: SourceItem, actor: User | None) -> SourceItem:
    if item.status == ItemStatus.USED:
        raise ValidationError(_("This item is already a post; archive the post instead."))
    item.status = ItemStatus.DISMISSED
    item.save(update_fields=["status"])
    audit_record(
        organization=item.organization, actor=actor, action="source_item.dismissed", target=item
    )
    return item
