"""The redirect `/l/<code>`: a thin WSGI application in front of Django.

It answers `/l/<code>` itself and hands every other path to Django. Inside it there is no
ORM and no Django request cycle: codes come from an in-process cache backed by one SQL
query, the bot decision is cached per user agent, and the click is appended to the sink
before the 302 is sent (a failing sink never fails the redirect: sinks.GuardedSink). The
drainer stores clicks in batches later.

A code redirects while its post is approved (approved, scheduled, live or expired), and
while an approved post's edit is being reviewed (the link carries the destination approved
when it was made); a withdrawn (archived) post's code leads to the organization's fallback
page or the "no longer available" page, and the code of a post never approved (a draft, in
review, rejected) is "link not found". On an organization's custom short domain only that
organization's codes answer; every other host (this site's) answers every organization's
codes.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext_noop
from django.utils.translation.trans_real import parse_accept_lang_header

from chorus.core import metrics
from chorus.links.bots import bot_name, is_prefetch
from chorus.links.sinks import (
    FALLBACK,
    REDIRECTED,
    UNAVAILABLE,
    ClickSink,
    GuardedSink,
    encode_line,
    get_sink,
)
from chorus.links.visitors import client_ip, visitor_key_on, visitor_keys_on

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CODE = re.compile(r"[A-Za-z0-9_-]{6,16}")
MEMBER_COOKIE = "chorus_member"
MEMBER_COOKIE_SALT = "chorus.links.member"
MEMBER_COOKIE_MAX_AGE = 60 * 60 * 24 * 400

# The last column: whether the post was ever approved. A live post edited goes back to
# review, and the links its members already shared (to the destination approved then) keep
# working meanwhile.
LOOKUP_SQL = """
SELECT l.id, l.organization_id, l.destination, l.is_active, p.state, s.fallback_url,
  EXISTS (SELECT 1 FROM content_posttransition t
          WHERE t.post_id = p.id AND t.to_state IN ('approved', 'scheduled', 'live'))
FROM links_link l
JOIN content_post p ON p.id = l.post_id
LEFT JOIN links_linksettings s ON s.organization_id = l.organization_id
WHERE l.code = %s
"""
SQLITE_LOOKUP_SQL = LOOKUP_SQL.replace("%s", "?")
PRELOAD_SQL = """
SELECT l.code, l.id, l.organization_id, l.destination, l.is_active, p.state, s.fallback_url,
  EXISTS (SELECT 1 FROM content_posttransition t
          WHERE t.post_id = p.id AND t.to_state IN ('approved', 'scheduled', 'live'))
FROM links_link l
JOIN content_post p ON p.id = l.post_id
LEFT JOIN links_linksettings s ON s.organization_id = l.organization_id
WHERE l.is_active
ORDER BY l.id DESC
LIMIT %s
"""
DOMAINS_SQL = (
    "SELECT short_domain, organization_id FROM links_linksettings WHERE short_domain <> ''"
)
# chorus.content.models.PostState: the states of an approved post, whose links redirect
# (an expired post's shares are still out there), and of a withdrawn one.
APPROVED_STATES = frozenset({"approved", "scheduled", "live", "expired"})
WITHDRAWN_STATES = frozenset({"archived"})
DOMAINS_RETRY_SECONDS = 5.0
PRELOAD_CHUNK = 2000


def _driver_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    errors: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        pass
    else:
        errors.append(psycopg.Error)
    return tuple(errors)


DRIVER_ERRORS: tuple[type[Exception], ...] = (DatabaseError, *_driver_errors())


class Target(NamedTuple):
    link_id: int
    organization_id: int
    location: str  # where to send the visitor; "" means the "no longer available" page
    outcome: str  # sinks.REDIRECTED, FALLBACK or UNAVAILABLE


class EventIds:
    """Unique event ids without uuid4's cost: a random per-process prefix and a counter."""

    def __init__(self) -> None:
        self._renew()
        # A forked worker must not reuse its parent's ids.
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):x}"


event_ids = EventIds()


class LinkResolver:
    """Code → Target, cached in the process for `ttl` seconds (unknown codes briefly)."""

    def __init__(self, *, ttl: float = 60, missing_ttl: float = 10, max_entries: int = 500_000):
        self.ttl = ttl
        self.missing_ttl = missing_ttl
        self.max_entries = max_entries
        # Entries are exact tuples of plain values, (expires, link id, organization id,
        # location, outcome) or (expires,) for an unknown code: the garbage collector stops
        # tracking those, so hundreds of thousands of them add nothing to its pauses.
        self._cache: dict[str, tuple[Any, ...]] = {}
        # One string per distinct destination: every member's link to a post on a network
        # has the same destination, so thousands of entries share one string.
        self._locations: dict[str, str] = {}
        self._lock = threading.Lock()
        # Custom short domain -> its organization, read again every `ttl` seconds.
        self._domains: dict[str, int] = {}
        self._domains_expire = 0.0

    def get(self, code: str) -> Target | None:
        now = time.monotonic()
        cached = self._cache.get(code)
        if cached is not None and cached[0] > now:
            if len(cached) == 5:
                return Target(cached[1], cached[2], cached[3], cached[4])
            return None
        target = self._lookup(code)
        if len(self._cache) >= self.max_entries:
            with self._lock:
                # Drop the expired entries; if all are fresh, start over (bounded memory).
                fresh = {k: v for k, v in self._cache.items() if v[0] > now}
                self._cache = fresh if len(fresh) < self.max_entries else {}
                if not self._cache:
                    self._locations = {}
        if target is None:
            self._cache[code] = (now + self.missing_ttl,)
        else:
            self._cache[code] = (now + self.ttl, *self._shared(target))
        return target

    def _shared(self, target: Target) -> tuple[int, int, str, str]:
        location = self._locations.setdefault(target.location, target.location)
        return (target.link_id, target.organization_id, location, target.outcome)

    def short_domains(self) -> dict[str, int]:
        """Custom short domain (lower case, no port) -> the organization it belongs to."""
        now = time.monotonic()
        if now >= self._domains_expire:
            self._domains_expire = now + self.ttl
            try:
                rows = self._query(DOMAINS_SQL, (), many=True)
            except DRIVER_ERRORS:
                # Keep the domains known so far and try again a little later (not on every
                # request: the database may be down).
                logger.exception("Could not read the custom short domains")
                self._domains_expire = now + min(self.ttl, DOMAINS_RETRY_SECONDS)
            else:
                self._domains = {str(domain): int(owner) for domain, owner in rows}
        return self._domains

    def forget(self, code: str) -> None:
        self._cache.pop(code, None)

    def preload(self, limit: int) -> int:
        """Load the `limit` newest active links in one pass; returns how many were cached.

        Runs in a background thread when a worker starts: one sequential read instead of a
        random look-up per code when a burst of clicks on many links arrives.
        """
        now = time.monotonic()
        # Spread the expiries, so the cache is not looked up again all at once.
        expiries = [now + self.ttl * (1 + step / 64) for step in range(64)]
        loaded = index = 0
        with connections["default"].cursor() as cursor:
            cursor.execute(PRELOAD_SQL, [limit])
            # In chunks: a list of every row at once would raise the worker's peak memory,
            # and Python keeps that memory after the list is gone.
            while rows := cursor.fetchmany(PRELOAD_CHUNK):
                for code, *row in rows:
                    index += 1
                    target = self._target(tuple(row))
                    if target is not None and code not in self._cache:
                        self._cache[code] = (expiries[index % 64], *self._shared(target))
                        loaded += 1
        return loaded

    def _lookup(self, code: str) -> Target | None:
        row = self._query(LOOKUP_SQL, (code,))
        return None if row is None else self._target(row)

    def _target(self, row: tuple[Any, ...]) -> Target | None:
        link_id, organization_id, destination, is_active, post_state, fallback, approved_once = row
        if not is_active:
            return None
        if post_state in WITHDRAWN_STATES:
            location = fallback or ""
            outcome = FALLBACK if location else UNAVAILABLE
        elif post_state in APPROVED_STATES or approved_once:
            # Approved, or an approved post whose edit is in review (or was sent back): the
            # destination the link carries was approved when the link was made.
            location, outcome = destination, REDIRECTED
        else:  # a draft, in review or rejected, never approved: nothing to show
            return None
        if location and not safe_location(location):
            # Minting only makes safe destinations; a row written some other way must not
            # turn the redirect into a way to send people anywhere or inject headers.
            logger.warning("Link %s has an unsafe destination; answering 404.", link_id)
            return None
        return Target(link_id, organization_id, location, outcome)

    def _query(self, sql: str, params: tuple[Any, ...], *, many: bool = False) -> Any:
        """One row (or every row) of `sql` ("%s" placeholders) through the driver itself."""
        for attempt in (1, 2):
            connection = connections["default"]
            try:
                connection.ensure_connection()
                # The driver's own cursor: Django's wrapper costs four times the query here.
                raw = connection.connection
                if connection.vendor == "sqlite":
                    sql = SQLITE_LOOKUP_SQL if sql is LOOKUP_SQL else sql.replace("%s", "?")
                cursor = raw.cursor()
                try:
                    cursor.execute(sql, params)
                    return cursor.fetchall() if many else cursor.fetchone()
                finally:
                    cursor.close()
            except DRIVER_ERRORS:
                # A connection the database dropped: reconnect once, then give up.
                connection.close()
                if attempt == 2:
                    raise
        return None


def safe_location(url: str) -> bool:
    """An absolute http(s) URL that can go into a Location header unchanged.

    ASCII and printable only (no CR/LF, no spaces), no backslash (browsers read it as "/"
    where Python does not), and a host.
    """
    if not (url.isascii() and url.isprintable()) or " " in url or "\\" in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def member_cookie_value(user_id: int) -> str:
    return signing.dumps(user_id, salt=MEMBER_COOKIE_SALT, compress=False)


def _member_id(environ: dict[str, Any]) -> int | None:
    cookies = environ.get("HTTP_COOKIE", "")
    if MEMBER_COOKIE not in cookies:
        return None
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name == MEMBER_COOKIE:
            try:
                return int(
                    signing.loads(value, salt=MEMBER_COOKIE_SALT, max_age=MEMBER_COOKIE_MAX_AGE)
                )
            except (signing.BadSignature, ValueError, TypeError):
                return None
    return None


class LinkEdge:
    def __init__(
        self,
        app: WSGIApp,
        *,
        resolver: LinkResolver | None = None,
        sink: ClickSink | None = None,
        not_found_page: bytes | None = None,
        gone_page: bytes | None = None,
    ) -> None:
        self.app = app
        self.resolver = resolver
        # Whatever sink is given, a failure to write a click never fails the redirect.
        if sink is not None and not isinstance(sink, GuardedSink):
            sink = GuardedSink(sink)
        self._sink = sink
        self.forwarded_host = bool(settings.BEHIND_PROXY)
        # Pages given here are shown in every language; else each language's is built on
        # its first use (never on the redirect's way).
        self.not_found_page = not_found_page
        self.gone_page = gone_page
        self._pages: dict[tuple[str, str], bytes] = {}

    @property
    def sink(self) -> GuardedSink:
        if self._sink is None:
            self._sink = get_sink()
        return self._sink

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/l/"):
            return self.app(environ, start_response)
        return self.redirect(path[3:].rstrip("/"), environ, start_response)

    def redirect(
        self, code: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            metrics.REDIRECT_METHOD_NOT_ALLOWED.inc(time.time())
            start_response(
                "405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")]
            )
            return [b""]
        if self.resolver is None:
            self.resolver = LinkResolver(ttl=settings.LINK_CACHE_SECONDS)
            if settings.LINK_PRELOAD:
                threading.Thread(
                    target=self._preload, args=(self.resolver, settings.LINK_PRELOAD), daemon=True
                ).start()
        resolver = self.resolver
        target = resolver.get(code) if CODE.fullmatch(code) else None
        if target is None or not self._answers_for(environ, target.organization_id, resolver):
            metrics.REDIRECT_NOT_FOUND.inc(time.time())
            body = self.not_found_page or self._shown("not_found", environ)
            return self._page(start_response, "404 Not Found", body, method)
        now = time.time()
        self.sink.append_line(self.record(target, environ, method, now), now)
        if not target.location:
            metrics.REDIRECT_GONE.inc(now)
            body = self.gone_page or self._shown("gone", environ)
            return self._page(start_response, "410 Gone", body, method)
        # About 0.1 µs (chorus/core/metrics.py: HotCounter), published once a second.
        (metrics.REDIRECT_FALLBACK if target.outcome == FALLBACK else metrics.REDIRECTED).inc(now)
        start_response(
            "302 Found",
            [
                ("Location", target.location),
                ("Cache-Control", "private, no-store"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("X-Robots-Tag", "noindex"),
                ("Content-Length", "0"),
            ],
        )
        return [b""]

    def _answers_for(
        self, environ: dict[str, Any], organization_id: int, resolver: LinkResolver
    ) -> bool:
        """False for another organization's code on a custom short domain."""
        domains = resolver.short_domains()
        if not domains:  # no organization has one: nothing to read (the hot path)
            return True
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if self.forwarded_host and "HTTP_X_FORWARDED_HOST" in environ:
            host = environ["HTTP_X_FORWARDED_HOST"].split(",")[0].strip()
        if host.startswith("["):  # an IPv6 address, never a short domain
            return True
        owner = domains.get(host.partition(":")[0].lower().rstrip("."))
        return owner is None or owner == organization_id

    @staticmethod
    def _preload(resolver: LinkResolver, limit: int) -> None:
        try:
            count = resolver.preload(limit)
        except Exception:  # the redirect works without it, one look-up per code
            logger.exception("Could not preload the link cache")
        else:
            logger.info("Preloaded %d links into the redirect's cache", count)
        finally:
            connections["default"].close()  # this thread's own connection

    def record(self, target: Target, environ: dict[str, Any], method: str, now: float) -> bytes:
        """The click as a line for the sink (sinks.encode_line), built without a dict."""
        user_agent = environ.get("HTTP_USER_AGENT", "")[:512]
        bot = bot_name(user_agent)
        if bot:
            kind = "bot"
        elif method == "HEAD":
            kind = "head"
        elif is_prefetch(environ):
            kind = "prefetch"
        else:
            kind = "click"
        ip, day = client_ip(environ), int(now // 86400)
        if kind == "click":
            # Today's key, and yesterday's, for the drainer to recognise a repeat within 24
            # hours across midnight (visitors.py). Previews are never unique: one key.
            visitor, previous = visitor_keys_on(ip, user_agent, day)
        else:
            visitor, previous = visitor_key_on(ip, user_agent, day), ""
        return encode_line(
            event_ids.next(),
            now,
            target.link_id,
            target.organization_id,
            kind,
            bot,
            # The drainer keeps only the referrer's host; parsing it here would cost time.
            environ.get("HTTP_REFERER", "")[:500],
            user_agent,
            visitor,
            _member_id(environ),
            previous,
            target.outcome,
        )

    def _shown(self, kind: str, environ: dict[str, Any]) -> bytes:
        """The "not found" or "gone" page in the visitor's language (Accept-Language)."""
        language = accepted_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        page = self._pages.get((kind, language))
        if page is None:
            page = self._pages[(kind, language)] = _translated_page(kind, language)
        return page

    @staticmethod
    def _page(
        start_response: Callable[..., Any], status: str, body: bytes, method: str
    ) -> Iterable[bytes]:
        start_response(
            status,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
            ],
        )
        return [b""] if method == "HEAD" else [body]


NOT_FOUND_TITLE = gettext_noop("Link not found")
NOT_FOUND_TEXT = gettext_noop(
    "This link does not exist or was switched off. Check that it was copied completely."
)
GONE_TITLE = gettext_noop("No longer available")
GONE_TEXT = gettext_noop(
    "The post behind this link was withdrawn by the organization that shared it."
)


def accepted_language(header: str) -> str:
    """The first of the visitor's languages that Chorus speaks, else the default one."""
    for code, _quality in parse_accept_lang_header(header):  # cached, the best first
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def _translated_page(kind: str, language: str) -> bytes:
    title, text = (GONE_TITLE, GONE_TEXT) if kind == "gone" else (NOT_FOUND_TITLE, NOT_FOUND_TEXT)
    with translation.override(language):
        return _page(translation.gettext(title), translation.gettext(text), language=language)


def _page(title: str, text: str, *, language: str = "en") -> bytes:
    # Self-contained (no stylesheet request): this page is served without Django.
    # The texts are our own (escaped anyway, as a translation could hold "<" or "&").
    title, text = escape(title), escape(text)
    return f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1d2433;margin:0}}
main{{max-width:30rem;margin:15vh auto;padding:1.5rem;background:#fff;border:1px solid #d9dee7;
border-radius:10px}}h1{{font-size:1.4rem}}</style></head>
<body><main><h1>{title}</h1><p>{text}</p></main></body></html>""".encode()
