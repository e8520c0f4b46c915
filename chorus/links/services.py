"""Minting tracked links, and storing the clicks the redirect answered."""

from __future__ import annotations

import secrets
import string
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, unquote_plus, urlencode, urlsplit, urlunsplit

import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.encoding import iri_to_uri

from chorus.accounts.models import Membership, Organization, User
from chorus.content.models import Network, Post
from chorus.core.audit import audit_record
from chorus.links.device import device_class
from chorus.links.edge import safe_location
from chorus.links.models import Click, ClickKind, DeviceClass, Link, LinkSettings, MemberVisitorKey
from chorus.links.sinks import Record, get_sink

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10
UNIQUE_WINDOW = timedelta(hours=24)
UTM_MEDIUM = "employee_advocacy"
MAX_DESTINATION_LENGTH = 4000  # Link.destination's max_length


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracked_destination(url: str, *, network: str, campaign: str) -> str:
    """The URL with our UTM parameters set, its own query kept as it was.

    The result is plain ASCII (IDNA host, percent-escaped path and query), so it can go
    into a Location header as is, and means to a browser what it means to us.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as error:
        raise ValidationError("This link is not a valid address.") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Only http and https links can be tracked.")
    ours = {
        "utm_source": network or "chorus",
        "utm_medium": UTM_MEDIUM,
        **({"utm_campaign": campaign} if campaign else {}),
    }
    # Keep the destination's own parameters byte for byte (decoding and re-encoding would
    # change some, e.g. "?amp" or latin-1 escapes); only ours are replaced.
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and unquote_plus(piece.partition("=")[0]) not in ours
    ]
    query = "&".join([*kept, urlencode(list(ours.items()))])
    destination = _ascii_url(parts, query=query)
    if len(destination) > MAX_DESTINATION_LENGTH:
        raise ValidationError("This link is too long to track.")
    return destination


def _ascii_url(parts: SplitResult, *, query: str) -> str:
    """The URL as plain ASCII (IDNA host, percent-escaped rest): safe in a Location header."""
    netloc = _ascii_host(parts.hostname or "")
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    return iri_to_uri(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def _ascii_host(host: str) -> str:
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode()
        except idna.IDNAError as error:
            raise ValidationError("This link's domain name is not valid.") from error
    return f"[{host}]" if ":" in host else host


def link_mint(*, post: Post, membership: Membership | None = None, network: str = "") -> Link:
    """The link for (post, member, network), or for the post alone; the same one every time."""
    if network and network not in Network.values:
        raise ValidationError(f"Unknown network: {network}.")
    if membership is not None and (
        membership.organization_id != post.organization_id or not membership.is_active
    ):
        raise ValidationError("That member cannot share this post.")
    if not post.link_url:
        raise ValidationError("This post has no link to track.")
    existing = Link.objects.filter(post=post, membership=membership, network=network).first()
    if existing is not None:
        return existing
    destination = tracked_destination(post.link_url, network=network, campaign=post.campaign)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Link.objects.create(
                    organization_id=post.organization_id,
                    post=post,
                    membership=membership,
                    network=network,
                    destination=destination,
                    code=new_code(),
                )
        except IntegrityError:
            # Either a parallel mint of the same triple (return it) or a code collision.
            existing = Link.objects.filter(
                post=post, membership=membership, network=network
            ).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not find a free link code.")  # pragma: no cover


def short_url(link: Link) -> str:
    return f"{short_url_base(organization_id=link.organization_id)}/l/{link.code}"


def link_set_active(*, link: Link, active: bool) -> None:
    link.is_active = active
    link.save(update_fields=["is_active"])


# Storing clicks ----------------------------------------------------------------------


def clicks_drain(*, batch_size: int = 5000) -> int:
    """Move answered clicks from the append path into the database. Returns how many."""
    return get_sink().drain(clicks_store, batch_size=batch_size)


def _moment(record: Record) -> datetime:
    return datetime.fromtimestamp(float(record["t"]), tz=UTC)


@transaction.atomic
def clicks_store(records: Iterable[Record]) -> int:
    """Store a batch of click records (idempotent: known event ids are skipped).

    Decides here, off the hot path, what the redirect could not: the device class,
    whether a person's click is the visitor's first on that link in 24 hours (unique), and
    whether the sharer clicked their own link (self-click, counted apart).
    """
    # A malformed record is skipped, not raised on: it would block its whole file forever.
    batch = {str(r["id"])[:32]: r for r in records if _well_formed(r)}
    if not batch:
        return 0
    known = set(Click.objects.filter(event_id__in=list(batch)).values_list("event_id", flat=True))
    fresh = sorted((r for i, r in batch.items() if i not in known), key=lambda r: float(r["t"]))
    links = {
        link.pk: link
        for link in Link.objects.select_related("membership").filter(
            pk__in={int(r["l"]) for r in fresh}
        )
    }
    fresh = [r for r in fresh if int(r["l"]) in links]
    if not fresh:
        return 0
    last_seen = _last_person_clicks(fresh)
    sharer_keys = _sharer_visitor_keys(fresh, links)
    clicks: list[tuple[Any, ...]] = []
    adapt = connection.ops.adapt_datetimefield_value
    counts: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"clicks": 0, "unique_clicks": 0, "self_clicks": 0, "previews": 0, "last": None}
    )
    for record in fresh:
        link = links[int(record["l"])]
        moment = _moment(record)
        kind = str(record.get("k")) if record.get("k") in ClickKind.values else ClickKind.CLICK
        visitor = str(record.get("v", ""))[:32]
        sharer = link.membership.user_id if link.membership else None
        is_self = (
            kind == ClickKind.CLICK
            and sharer is not None
            and (record.get("u") == sharer or (sharer, moment.date(), visitor) in sharer_keys)
        )
        is_unique = False
        if kind == ClickKind.CLICK and not is_self:
            previous = last_seen.get((link.pk, visitor))
            is_unique = previous is None or moment - previous >= UNIQUE_WINDOW
            # A stored click later than this one (drained earlier) stays the latest seen.
            last_seen[link.pk, visitor] = max(moment, previous) if previous else moment
        counter = counts[link.pk]
        if kind != ClickKind.CLICK:
            counter["previews"] += 1
        elif is_self:
            counter["self_clicks"] += 1
        else:
            counter["clicks"] += 1
            counter["unique_clicks"] += int(is_unique)
        counter["last"] = moment
        user_agent = str(record.get("ua", ""))
        clicks.append(
            (
                link.organization_id,
                str(record["id"])[:32],
                link.pk,
                adapt(moment),
                kind,
                str(record.get("b", ""))[:100],
                referrer_host(str(record.get("r", ""))),
                DeviceClass.BOT.value if kind == ClickKind.BOT else str(device_class(user_agent)),
                visitor,
                is_unique,
                is_self,
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(INSERT_CLICK_SQL, clicks)
    _add_to_counters(counts)
    return len(clicks)


# One statement for every link of a batch: compiling an ORM update per link costs more than
# the database's own work (measured: 59% of the drainer's time).
COUNTERS_SQL = (
    "UPDATE links_link SET clicks = clicks + %s, unique_clicks = unique_clicks + %s, "
    "self_clicks = self_clicks + %s, previews = previews + %s, "
    "last_click_at = CASE WHEN last_click_at IS NULL OR last_click_at < %s "
    "THEN %s ELSE last_click_at END WHERE id = %s"
)


def _add_to_counters(counts: dict[int, dict[str, Any]]) -> None:
    adapt = connection.ops.adapt_datetimefield_value  # the backend's own datetime format
    rows = [
        (
            counter["clicks"],
            counter["unique_clicks"],
            counter["self_clicks"],
            counter["previews"],
            adapt(counter["last"]),
            adapt(counter["last"]),
            link_id,
        )
        for link_id, counter in sorted(counts.items())  # a fixed order: no deadlocks
    ]
    with connection.cursor() as cursor:
        cursor.executemany(COUNTERS_SQL, rows)


def referrer_host(referrer: str) -> str:
    """The host of a Referer header ("" when there is none or it is not a URL)."""
    if "://" not in referrer:
        return referrer[:253] if referrer and "/" not in referrer else ""
    try:
        return (urlsplit(referrer).hostname or "")[:253]
    except ValueError:
        return ""


def _well_formed(record: Any) -> bool:
    if not isinstance(record, dict) or not record.get("id"):
        return False
    try:
        int(record["l"])
        _moment(record)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return False
    return True


# Rows written straight through the driver: building a model instance per click cost more
# than the database's own work (measured in the bench's drain).
INSERT_CLICK_SQL = (
    "INSERT INTO links_click (organization_id, event_id, link_id, created_at, kind, bot_name,"
    " referrer_host, device_class, visitor_key, is_unique, is_self)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
PAIRS_PER_QUERY = 2000
PAIRS_SQL = (
    "SELECT link_id, visitor_key, created_at FROM links_click"
    " WHERE kind = %s AND is_self = %s AND created_at >= %s"
)


def _as_datetime(value: Any) -> datetime:
    """A datetime from the database driver (SQLite hands back text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _last_person_clicks(records: list[Record]) -> dict[tuple[int, str], datetime]:
    """For each (link, visitor) in the batch, their latest earlier stored person click."""
    earliest = _moment(records[0]) - UNIQUE_WINDOW
    pairs = {(int(r["l"]), str(r.get("v", ""))) for r in records if r.get("k") == ClickKind.CLICK}
    if not pairs:
        return {}
    seen: dict[tuple[int, str], datetime] = {}
    # Exactly the batch's (link, visitor) pairs, through the (link, visitor, time) index:
    # "link IN (...) AND visitor IN (...)" would make the database try every combination.
    ordered = sorted(pairs)
    since = connection.ops.adapt_datetimefield_value(earliest)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), PAIRS_PER_QUERY):
            chunk = ordered[start : start + PAIRS_PER_QUERY]
            values = ", ".join(["(%s, %s)"] * len(chunk))  # placeholders only
            sql = PAIRS_SQL + f" AND (link_id, visitor_key) IN (VALUES {values})"
            cursor.execute(
                sql, [ClickKind.CLICK.value, False, since, *(v for pair in chunk for v in pair)]
            )
            for link_id, visitor, moment in cursor.fetchall():
                moment = _as_datetime(moment)
                key = (link_id, visitor)
                if key not in seen or moment > seen[key]:
                    seen[key] = moment
    return seen


def _sharer_visitor_keys(
    records: list[Record], links: dict[int, Link]
) -> set[tuple[int, Any, str]]:
    sharers = {link.membership.user_id for link in links.values() if link.membership}
    if not sharers:
        return set()
    days = {_moment(r).date() for r in records}
    visitors = {str(r.get("v", "")) for r in records}
    return set(
        MemberVisitorKey.objects.filter(
            user_id__in=sharers, day__in=days, visitor_key__in=visitors
        ).values_list("user_id", "day", "visitor_key")
    )


# Link settings and switching links on and off (the pages and the API) -----------------


def short_url_base(*, organization_id: int) -> str:
    """The start of every short URL of the organization (one query, for whole lists)."""
    domain = (
        LinkSettings.objects.filter(organization_id=organization_id)
        .values_list("short_domain", flat=True)
        .first()
    )
    return f"https://{domain}" if domain else settings.SITE_URL


def short_domain_clean(value: str) -> str:
    """A custom short domain as stored: a bare host name, lower case, IDNA (punycode) form.

    Raises ValidationError for a scheme, path, port, address or this site's own host: the
    domain must be one that only serves short links, pointed at Chorus by its owner.
    """
    domain = value.strip().lower().rstrip(".")
    if not domain:
        return ""
    if any(mark in domain for mark in ("://", "/", ":", "?", "#", "@", "\\")) or any(
        character.isspace() for character in domain
    ):
        raise ValidationError(
            "Enter the host name only, like go.acme.com: no https://, path or port."
        )
    try:
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValidationError("That is not a valid domain name.") from None
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or len(domain) > 253:
        raise ValidationError("Enter a full domain name with a dot, like go.acme.com.")
    site_host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    if domain == site_host:
        raise ValidationError("Use a domain of its own, not this site's address.")
    return domain


def fallback_url_clean(value: str) -> str:
    """The fallback page as the redirect will send it (ASCII), or a refusal.

    Stored in the same form as minted destinations: the redirect refuses to send anything
    else, so a page accepted here must be one it can actually lead to.
    """
    url = value.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as error:
        raise ValidationError("The fallback page is not a valid address.") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("The fallback page must be an http:// or https:// address.")
    url = _ascii_url(parts, query=parts.query)
    if len(url) > 2000:
        raise ValidationError("The fallback address is too long (2,000 characters at most).")
    if not safe_location(url):
        raise ValidationError("The fallback page is not an address a link can lead to.")
    return url


def link_settings_update(
    *, organization: Organization, actor: User | None, short_domain: str, fallback_url: str
) -> LinkSettings:
    """Set the organization's short domain and fallback page (validated here, audited).

    The redirect caches each code's target for LINK_CACHE_SECONDS, so a new fallback page
    takes effect within that time.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, clean, value in (
        ("short_domain", short_domain_clean, short_domain),
        ("fallback_url", fallback_url_clean, fallback_url),
    ):
        try:
            cleaned[name] = clean(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if cleaned.get("short_domain") and (
        LinkSettings.objects.filter(short_domain=cleaned["short_domain"])
        .exclude(organization=organization)
        .exists()
    ):
        errors["short_domain"] = ["Another organization already uses this domain."]
    if errors:
        raise ValidationError(errors)
    link_settings, _ = LinkSettings.objects.get_or_create(organization=organization)
    before = {
        "short_domain": link_settings.short_domain,
        "fallback_url": link_settings.fallback_url,
    }
    if before == cleaned:
        return link_settings
    link_settings.short_domain = cleaned["short_domain"]
    link_settings.fallback_url = cleaned["fallback_url"]
    link_settings.save(update_fields=["short_domain", "fallback_url"])
    audit_record(
        organization=organization,
        actor=actor,
        action="links.settings_update",
        data={"before": before, "after": cleaned},
    )
    return link_settings


def link_update(*, link: Link, actor: User | None, is_active: bool) -> Link:
    """Enable or disable a link (audited). The redirect notices within LINK_CACHE_SECONDS."""
    if link.is_active == is_active:
        return link
    link_set_active(link=link, active=is_active)
    audit_record(
        organization=link.organization,
        actor=actor,
        action="links.enable" if is_active else "links.disable",
        target=link,
        data={"post_id": link.post_id, "network": link.network},
    )
    return link
