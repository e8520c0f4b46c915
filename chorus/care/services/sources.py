"""Listening sources: admins add, change and remove them; the scheduler polls the ones that
are due through the networks' listening adapters; the inbound webhook's key and secret.

Polling never lets one source stop the others: each failure is the source's own, written
in its `last_error` in words an admin can act on, and pushes its next poll back
(exponentially, capped; a network's "slow down" is honoured to the second it asked). An
expired or revoked credential stops the source and tells the admins.
"""

from __future__ import annotations

import json
import logging
import secrets
from base64 import b64encode
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization
from chorus.care.models import CareSource, CareTag, Origin, Priority, SourceKind
from chorus.care.models.sources import SOURCE_NETWORK
from chorus.care.services.ingest import incoming_ingest
from chorus.care.services.targets import care_settings_for
from chorus.core.audit import audit_record
from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Connection,
    IncomingPage,
    ListeningAdapter,
    NetworkError,
    RateLimited,
)
from chorus.networks.bluesky.adapter import Bluesky, service_clean
from chorus.networks.mastodon.adapter import instance_clean
from chorus.networks.registry import listening_adapter
from chorus.notifications.services.notifications import notification_create

logger = logging.getLogger(__name__)

# How often a healthy source is read, per network: X's recent search is metered per month,
# Mastodon and Bluesky allow hundreds of calls in five minutes.
POLL_SECONDS = {"mastodon": 60, "bluesky": 60, "x": 300}
# Failures in a row double the wait, up to this.
BACKOFF_CAP = timedelta(hours=1)
# How many sources one run of the periodic task polls at most (the rest wait a minute).
POLL_BATCH = 200

MENTION_KINDS = (SourceKind.MASTODON_MENTIONS, SourceKind.BLUESKY_MENTIONS)
SEARCH_KINDS = (SourceKind.MASTODON_SEARCH, SourceKind.BLUESKY_SEARCH, SourceKind.X_SEARCH)
POLLED_KINDS = (*MENTION_KINDS, *SEARCH_KINDS)


@dataclass
class SourceFields:
    """What an admin fills in. `secret` None keeps the stored one."""

    kind: str
    name: str
    instance: str = ""
    handle: str = ""
    query: str = ""
    secret: str | None = None
    default_priority: str = Priority.NORMAL
    default_tags: list[CareTag] = field(default_factory=list)
    is_active: bool = True


def _cleaned(fields: SourceFields, *, has_secret: bool) -> SourceFields:
    """The fields as stored, or ValidationError naming each field that is wrong."""
    errors: dict[str, str] = {}
    if fields.kind not in POLLED_KINDS:
        errors["kind"] = _("Choose what to listen to.")
    network = SOURCE_NETWORK.get(SourceKind(fields.kind), "") if not errors else ""
    name = fields.name.strip()
    if not name:
        errors["name"] = _("Give the source a name, for example “Mentions on Mastodon”.")
    instance = fields.instance.strip()
    handle = fields.handle.strip()
    query = " ".join(fields.query.split())
    if network == "mastodon":
        try:
            instance = instance_clean(instance or handle)
        except ValueError as error:
            errors["instance"] = str(error)
    elif network == "bluesky":
        try:
            instance = service_clean(instance)
        except ValueError as error:
            errors["instance"] = str(error)
        handle = handle.lstrip("@")
        if not handle:
            errors["handle"] = _("Enter the official account's handle, for example acme.com.")
    else:
        instance = ""
    if fields.kind in SEARCH_KINDS and not query:
        errors["query"] = _("Enter the words or hashtags to search for.")
    if fields.kind in MENTION_KINDS:
        query = ""
    secret = fields.secret.strip() if fields.secret is not None else None
    if not secret and not has_secret:
        errors["secret"] = {
            "mastodon": _("Enter the access token of the official account."),
            "bluesky": _("Enter an app password of the official account."),
            "x": _("Enter the bearer token of your X app."),
        }.get(network, _("Enter the credentials."))
    if fields.default_priority not in Priority.values:
        errors["default_priority"] = _("Choose a priority.")
    if errors:
        raise ValidationError(errors)
    return SourceFields(
        kind=fields.kind,
        name=name[:120],
        instance=instance[:300],
        handle=handle[:300],
        query=query[:500],
        secret=secret or None,
        default_priority=fields.default_priority,
        default_tags=fields.default_tags,
        is_active=fields.is_active,
    )


def _tags_check(organization: Organization, tags: list[CareTag]) -> None:
    if any(tag.organization_id != organization.pk for tag in tags):
        raise ValidationError({"default_tags": _("Choose tags of your organization.")})


def source_create(*, membership: Membership, fields: SourceFields) -> CareSource:
    cleaned = _cleaned(fields, has_secret=False)
    _tags_check(membership.organization, cleaned.default_tags)
    with transaction.atomic():
        source = CareSource.objects.create(
            organization=membership.organization,
            kind=cleaned.kind,
            name=cleaned.name,
            instance=cleaned.instance,
            handle=cleaned.handle,
            query=cleaned.query,
            secret=cleaned.secret or "",
            default_priority=cleaned.default_priority,
            is_active=cleaned.is_active,
            next_poll_at=timezone.now(),
            created_by=membership.user,
        )
        source.default_tags.set(cleaned.default_tags)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.source_created",
            target=source,
            target_label=source.name,
            data={"kind": source.kind},
        )
    return source


def source_update(
    *, membership: Membership, source: CareSource, fields: SourceFields
) -> CareSource:
    """Change a source; new credentials (or turning it on again) clear its failures and
    poll it at the next run."""
    cleaned = _cleaned(fields, has_secret=bool(source.secret))
    _tags_check(membership.organization, cleaned.default_tags)
    credentials_changed = (
        cleaned.secret is not None
        or cleaned.instance != source.instance
        or cleaned.handle != source.handle
        or cleaned.kind != source.kind
    )
    search_changed = cleaned.query != source.query
    restarted = cleaned.is_active and not source.is_active
    source.kind = cleaned.kind
    source.name = cleaned.name
    source.instance = cleaned.instance
    source.handle = cleaned.handle
    source.query = cleaned.query
    if cleaned.secret is not None:
        source.secret = cleaned.secret
    source.default_priority = cleaned.default_priority
    source.is_active = cleaned.is_active
    if credentials_changed:
        source.session = ""
    if credentials_changed or search_changed:
        # Another account or search reads another list: start from its newest.
        source.cursor = ""
    if credentials_changed or restarted:
        source.failures = 0
        source.last_error = ""
        source.next_poll_at = timezone.now()
    with transaction.atomic():
        source.save()
        source.default_tags.set(cleaned.default_tags)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.source_changed",
            target=source,
            target_label=source.name,
            data={"credentials": credentials_changed, "active": source.is_active},
        )
    return source


def source_delete(*, membership: Membership, source: CareSource) -> None:
    """Remove a source; its conversations stay."""
    with transaction.atomic():
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.source_deleted",
            target=source,
            target_label=source.name,
            data={"kind": source.kind},
        )
        source.delete()


# The inbound webhook ------------------------------------------------------------------


def inbound_secret_create(*, membership: Membership) -> tuple[str, str]:
    """A new key (the webhook's address) and signing secret ("whsec_..."), replacing any
    before: the old address stops answering at once. The secret is returned to be shown
    once; it is stored encrypted."""
    found = care_settings_for(organization=membership.organization)
    key = secrets.token_urlsafe(24)
    secret = "whsec_" + b64encode(secrets.token_bytes(32)).decode("ascii")
    rotated = bool(found.inbound_key)
    found.inbound_key = key
    found.inbound_secret = secret
    with transaction.atomic():
        found.save(update_fields=["inbound_key", "inbound_secret"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.inbound_secret_created",
            data={"rotated": rotated},
        )
    return key, secret


def inbound_disable(*, membership: Membership) -> None:
    found = care_settings_for(organization=membership.organization)
    found.inbound_key = ""
    found.inbound_secret = ""
    with transaction.atomic():
        found.save(update_fields=["inbound_key", "inbound_secret"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.inbound_disabled",
        )


# Polling --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollOutcome:
    """What one poll did: how many posts it found and conversations it touched, or the
    error in words (the source's `last_error`)."""

    found: int = 0
    conversations: int = 0
    error: str = ""


def source_account(source: CareSource) -> Connection:
    """The organization's credentials for the source, as the adapters take them. Bluesky's
    session, once made from the app password, is kept (encrypted) between polls."""
    if source.network == "bluesky" and source.session:
        try:
            stored = json.loads(source.session)
        except ValueError:
            stored = {}
        if isinstance(stored, dict) and stored.get("access_token"):
            return Connection(
                app=AppCredentials(),
                access_token=str(stored["access_token"]),
                refresh_token=str(stored.get("refresh_token", "")),
                instance=source.instance,
                account_id=str(stored.get("account_id", "")),
                handle=source.handle,
            )
    if source.network == "bluesky":
        account = Bluesky().login(source.handle, source.secret, service=source.instance)
        account.refreshed = True
        return account
    return Connection(
        app=AppCredentials(),
        access_token=source.secret,
        instance=source.instance,
        handle=source.handle,
    )


def _session_keep(source: CareSource, account: Connection) -> None:
    if source.network == "bluesky" and account.refreshed:
        source.session = json.dumps(
            {
                "access_token": account.access_token,
                "refresh_token": account.refresh_token,
                "account_id": account.account_id,
            }
        )


def _read(source: CareSource, adapter: ListeningAdapter, account: Connection) -> IncomingPage:
    if source.kind in MENTION_KINDS:
        return adapter.mentions(account, cursor=source.cursor)
    return adapter.search(account, source.query, cursor=source.cursor)


def _backoff(source: CareSource, now: datetime, retry_after: float | None = None) -> datetime:
    interval = timedelta(seconds=POLL_SECONDS.get(source.network, 60))
    wait = min(interval * (1 << min(source.failures, 16)), BACKOFF_CAP)
    if retry_after is not None:
        wait = min(max(wait, timedelta(seconds=retry_after)), BACKOFF_CAP)
    return now + wait


STOPPED = gettext_lazy(
    "Chorus stopped reading the care source “%(name)s”: %(error)s Update its credentials to "
    "start it again."
)


def _stop(source: CareSource, error: NetworkError) -> None:
    """The credentials no longer work: stop, and tell the admins."""
    source.is_active = False
    source.session = ""
    source.next_poll_at = None
    source.last_error = _(
        "The network no longer accepts these credentials (%(detail)s). Enter new ones and "
        "turn the source on again."
    ) % {"detail": error.message.rstrip(".")}
    url = reverse("care_source_edit", args=[source.pk])
    admins = Membership.objects.filter(
        organization_id=source.organization_id, is_admin=True, is_active=True
    ).select_related("user")
    for admin in admins:
        notification_create(
            membership=admin,
            kind="care.source_stopped",
            message=STOPPED,
            params={"name": source.name, "error": error.message},
            url=url,
        )
    audit_record(
        organization=source.organization,
        actor=None,
        action="care.source_stopped",
        target=source,
        target_label=source.name,
        data={"error": error.message[:200]},
    )


def source_poll(*, source: CareSource) -> PollOutcome:
    """Read the source once (mentions or search since its cursor) and ingest what it found.
    Never raises for the network's sake: a failure is the outcome's `error`."""
    now = timezone.now()
    source.last_polled_at = now
    outcome: PollOutcome
    try:
        adapter = listening_adapter(source.network)
        account = source_account(source)
        try:
            page = _read(source, adapter, account)
        except AuthExpired:
            if source.network != "bluesky" or not source.session:
                raise
            # The kept session ended: sign in again with the app password, once.
            source.session = ""
            account = source_account(source)
            page = _read(source, adapter, account)
        conversations = incoming_ingest(
            organization=source.organization,
            items=page.items,
            network=source.network,
            origin=Origin.SOURCE,
            source=source,
        )
    except AuthExpired as error:
        source.failures += 1
        _stop(source, error)
        outcome = PollOutcome(error=source.last_error)
    except RateLimited as error:
        source.failures += 1
        source.last_error = _("%(detail)s Chorus waits before reading again.") % {
            "detail": error.message
        }
        source.next_poll_at = _backoff(source, now, error.retry_after)
        outcome = PollOutcome(error=source.last_error)
    except (NetworkError, ValueError) as error:
        source.failures += 1
        source.last_error = str(getattr(error, "message", error))[:500]
        source.next_poll_at = _backoff(source, now)
        outcome = PollOutcome(error=source.last_error)
    except Exception:
        logger.exception("Polling care source %s failed", source.pk)
        source.failures += 1
        source.last_error = _(
            "Chorus could not read this source (an unexpected error); it will try again."
        )
        source.next_poll_at = _backoff(source, now)
        outcome = PollOutcome(error=source.last_error)
    else:
        _session_keep(source, account)
        source.cursor = (page.cursor or source.cursor)[:300]
        source.failures = 0
        source.last_error = ""
        source.next_poll_at = now + timedelta(seconds=POLL_SECONDS.get(source.network, 60))
        outcome = PollOutcome(found=len(page.items), conversations=len(conversations))
    source.last_error = source.last_error[:500]
    source.save(
        update_fields=[
            "last_polled_at",
            "next_poll_at",
            "failures",
            "last_error",
            "cursor",
            "session",
            "is_active",
            "updated_at",
        ]
    )
    return outcome


def sources_due(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        CareSource.objects.filter(is_active=True, kind__in=POLLED_KINDS)
        .filter(Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True))
        .order_by("next_poll_at", "pk")
        .values_list("pk", flat=True)[:POLL_BATCH]
    )


def sources_poll_due(*, now: datetime | None = None) -> int:
    """Poll every active source that is due (across organizations: the caller opens that
    scope). Returns how many were polled."""
    polled = 0
    for source_id in sources_due(now=now):
        source = CareSource.objects.select_related("organization").filter(pk=source_id).first()
        if source is None:
            continue
        try:
            source_poll(source=source)
        except Exception:
            # source_poll keeps the network's failures; this is the database's or ours.
            logger.exception("Polling care source %s failed", source_id)
        polled += 1
    return polled
