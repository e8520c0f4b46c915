"""RSS and Atom sources: find a page's feed, fetch it conditionally, parse it from bytes.

Everything here is free of database writes (chorus.content.services stores the result).
Bytes come only from chorus.core.http.fetch (SSRF-safe, bounded); feedparser only ever
sees those bytes, so it never fetches anything itself.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import lxml.html
import nh3
from django.conf import settings
from lxml import etree

from chorus.core.http import FetchError, FetchResult, check_url, fetch

FEED_TYPES = {"application/rss+xml", "application/atom+xml"}
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.5, */*;q=0.1"
)
SUMMARY_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "strong", "ul",
}  # fmt: skip
# A feed may declare entities that stand for one character (`&#160;`); anything else in
# a DOCTYPE (nested entities, external ones) is how entity-expansion bombs and XXE start.
ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s+(%\s*)?[^\s>]+\s+([^>]*)>", re.IGNORECASE)
CHARACTER_ENTITY = re.compile(rb"^[\"'](&#x?[0-9a-fA-F]+;)[\"']\s*$")
PROLOG_BYTES = 65_536


class FeedError(Exception):
    """A feed that could not be used, with a reason a curator can read."""


@dataclass
class FeedEntry:
    guid: str
    url: str
    canonical_url: str
    title: str
    summary: str
    image_url: str
    published_at: datetime | None


@dataclass
class ParsedFeed:
    title: str
    entries: list[FeedEntry] = field(default_factory=list)


@dataclass
class FeedResponse:
    """The outcome of one conditional fetch: `feed` is None when nothing changed (304)."""

    feed_url: str
    feed: ParsedFeed | None
    etag: str = ""
    last_modified: str = ""


# Fetching -------------------------------------------------------------------------------


def fetch_feed(
    feed_url: str, *, etag: str = "", last_modified: str = "", timeout: float | None = None
) -> FeedResponse:
    """Fetch and parse a feed, asking only for changes since `etag`/`last_modified`."""
    headers = {"Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    result = fetch(feed_url, headers=headers, timeout=timeout)
    if result.status_code == 304:
        return FeedResponse(feed_url=feed_url, feed=None, etag=etag, last_modified=last_modified)
    _check_status(result)
    return _feed_response(feed_url, result, parse_feed(result.content, result.headers))


def discover_feed(url: str, *, timeout: float | None = None) -> FeedResponse:
    """The feed at `url`, or the one an HTML page at `url` advertises; FeedError if none."""
    result = fetch(url, headers={"Accept": ACCEPT}, timeout=timeout)
    _check_status(result)
    if not _looks_like_html(result):
        try:
            feed = parse_feed(result.content, result.headers)
        except FeedError as error:
            raise FeedError(f"no feed found on that page ({error})") from error
        return _feed_response(url, result, feed)
    feed_url = advertised_feed_url(result.content, base_url=result.url)
    if not feed_url:
        raise FeedError("no feed found on that page")
    return fetch_feed(feed_url, timeout=timeout)


def _feed_response(feed_url: str, result: FetchResult, feed: ParsedFeed) -> FeedResponse:
    return FeedResponse(
        feed_url=feed_url,
        feed=feed,
        etag=str(result.headers.get("etag", ""))[:300],
        last_modified=str(result.headers.get("last-modified", ""))[:100],
    )


def _check_status(result: FetchResult) -> None:
    if not result.ok:
        raise FeedError(f"the server answered {result.status_code}")


def _looks_like_html(result: FetchResult) -> bool:
    if result.content_type in ("text/html", "application/xhtml+xml"):
        return True
    start = result.content[:1024].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def advertised_feed_url(content: bytes, *, base_url: str) -> str:
    """The first RSS/Atom feed a page links to with <link rel="alternate">, made absolute."""
    try:
        document = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return ""
    document.make_links_absolute(base_url, resolve_base_href=True)
    for link in document.iterfind(".//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";", 1)[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            href = link.get("href") or ""
            try:
                return str(check_url(href))
            except FetchError:
                continue
    return ""


# Parsing --------------------------------------------------------------------------------


def parse_feed(content: bytes, headers: Any = None) -> ParsedFeed:
    """Parse feed bytes; FeedError when they are not a usable feed."""
    if not content.strip():
        raise FeedError("the feed is empty")
    _refuse_entity_declarations(content)
    response_headers = {key.lower(): value for key, value in dict(headers or {}).items()}
    # Bytes (never a str: feedparser would take a str for a URL or a file name).
    parsed = feedparser.parse(bytes(content), response_headers=response_headers, sanitize_html=True)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise FeedError(_unusable_reason(content, parsed))
    entries = [entry for entry in map(_entry, parsed.entries) if entry is not None]
    title = str(parsed.feed.get("title", "")).strip()
    return ParsedFeed(title=title[:300], entries=entries)


def _refuse_entity_declarations(content: bytes) -> None:
    first_element = re.search(rb"<[A-Za-z]", content[:PROLOG_BYTES])
    prolog = content[: first_element.start()] if first_element else content[:PROLOG_BYTES]
    for declaration in ENTITY_DECLARATION.finditer(prolog):
        if declaration.group(1) or not CHARACTER_ENTITY.match(declaration.group(2)):
            raise FeedError("the feed declares XML entities, which are refused (a possible bomb)")


def _unusable_reason(content: bytes, parsed: Any) -> str:
    start = content[:1024].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "the address returned a web page, not a feed"
    if parsed.bozo:
        problem = str(parsed.get("bozo_exception", "")).strip()
        return f"the feed is not valid XML ({problem[:150]})" if problem else "the feed is invalid"
    return "the address did not return an RSS or Atom feed"


def _entry(entry: Any) -> FeedEntry | None:
    url = _http_url(entry.get("link", ""))
    title = " ".join(str(entry.get("title", "")).split())
    if not url and not title:
        return None
    guid = str(entry.get("id", "")).strip() or url
    if not guid:
        guid = "title:" + hashlib.sha256(title.encode()).hexdigest()
    return FeedEntry(
        guid=guid[:1000],
        url=url,
        canonical_url=canonical_url(url) if url else "",
        title=title[:500],
        summary=clean_summary(_summary_html(entry)),
        image_url=_image_url(entry),
        published_at=_date(entry.get("published_parsed") or entry.get("updated_parsed")),
    )


def _summary_html(entry: Any) -> str:
    summary = entry.get("summary", "")
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value", "")
    return str(summary)


def clean_summary(summary: str) -> str:
    """The summary as safe HTML: a few text tags, links keep only their href."""
    return nh3.clean(
        summary[:100_000],
        tags=SUMMARY_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    ).strip()


def summary_text(summary: str) -> str:
    """The summary as plain text (for a draft's commentary)."""
    text = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</li>", "\n", summary), tags=set())
    lines = [" ".join(line.split()) for line in html.unescape(text).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _image_url(entry: Any) -> str:
    candidates = [media.get("url", "") for media in entry.get("media_content", [])]
    candidates += [media.get("url", "") for media in entry.get("media_thumbnail", [])]
    candidates += [
        enclosure.get("href", "")
        for enclosure in entry.get("enclosures", [])
        if str(enclosure.get("type", "")).startswith("image/")
    ]
    for candidate in candidates:
        url = _http_url(candidate)
        if url:
            return url
    return ""


def _http_url(value: Any) -> str:
    url = str(value or "").strip()
    if len(url) > 2000:
        return ""
    try:
        check_url(url)
    except FetchError:
        return ""
    return url


def _date(parsed: time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def canonical_url(url: str) -> str:
    """The URL without tracking parameters (utm_*) or fragment, host in lower case."""
    parts = urlsplit(url.strip())
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_")
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))[
        :2000
    ]


def poll_interval_minutes(failures: int) -> int:
    """Minutes until the next poll: the base interval, doubled per consecutive failure."""
    base: int = settings.FEED_POLL_MINUTES
    return int(min(base * 2 ** min(failures, 20), 24 * 60))
