"""RSS and Atom sources: find a page's feed, fetch it conditionally, parse it from bytes.

Everything here is free of database writes (chorus.content.services stores the result).
Bytes come only from chorus.core.http.fetch (SSRF-safe, bounded); feedparser only ever
sees those bytes, so it never fetches anything itself, and only once a hostile-XML parser
has found no document type or entity declaration in them (see refuse_declarations).
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import InputSource

import feedparser
import lxml.html
import nh3

# defusedxml ships no type hints; typeshed's types-defusedxml is not a dependency.
from defusedxml import DefusedXmlException, DTDForbidden  # type: ignore[import-untyped]
from defusedxml.expatreader import DefusedExpatParser  # type: ignore[import-untyped]
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy
from feedparser.encodings import convert_to_utf8
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
# What a loose (SGML-like) parser could take for a declaration: any case, anywhere.
DECLARATION = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
WEB_PAGE = gettext_lazy("the address returned a web page, not a feed")
# How a document's first bytes give away UTF-32 or UTF-16: a byte order mark, or a "<".
UNICODE_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (b"<\0", "utf-16-le"),
    (b"\0<", "utf-16-be"),
)


class FeedError(Exception):
    """A feed that could not be used, with a reason a curator can read."""


class FeedRefused(FeedError):
    """A feed refused for what it is (it declares entities or a DOCTYPE), not for being
    out of reach: trying again later would not help."""


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
        except FeedRefused:
            raise
        except FeedError as error:
            raise FeedError(
                gettext("no feed found on that page (%(reason)s)") % {"reason": error}
            ) from error
        return _feed_response(url, result, feed)
    feed_url = advertised_feed_url(result.content, base_url=result.url)
    if not feed_url:
        raise FeedError(gettext("no feed found on that page"))
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
        raise FeedError(gettext("the server answered %(status)s") % {"status": result.status_code})


def _looks_like_html(result: FetchResult) -> bool:
    if result.content_type in ("text/html", "application/xhtml+xml"):
        return True
    return _starts_like_html(result.content)


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
        raise FeedError(gettext("the feed is empty"))
    if _starts_like_html(content):
        raise FeedError(str(WEB_PAGE))
    response_headers = {key.lower(): value for key, value in dict(headers or {}).items()}
    refuse_declarations(content, response_headers)
    # Bytes (never a str: feedparser would take a str for a URL or a file name).
    parsed = feedparser.parse(bytes(content), response_headers=response_headers, sanitize_html=True)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise FeedError(_unusable_reason(content, parsed))
    entries = [entry for entry in map(_entry, parsed.entries) if entry is not None]
    title = str(parsed.feed.get("title", "")).strip()
    return ParsedFeed(title=title[:300], entries=entries)


def refuse_declarations(content: bytes, response_headers: dict[str, str]) -> None:
    """FeedError if the feed declares a document type or entities, wherever they hide.

    No feed needs a DOCTYPE, and one is how entity-expansion bombs and XXE start. A scan of
    the first bytes misses one behind a comment, past its window or in UTF-16, so the
    document is read the two ways that matter: as an XML parser reads it (its byte order
    mark, then its XML declaration) and as feedparser reads it (its own rules, the HTTP
    charset first: see feedparser.encodings). Each reading is
    - parsed by expat through defusedxml, which stops at the first DOCTYPE or ENTITY
      declaration whatever precedes it (a comment, any length, any encoding), and
    - searched for "<!DOCTYPE" and "<!ENTITY" (any case) outside CDATA sections, for
      documents that are not well-formed. feedparser reads those with its loose parser and
      we keep accepting them, but where expat gave up, a loose parser may find a
      declaration expat never reached. The search runs on well-formed documents too (the
      price: a feed that writes "<!DOCTYPE" in a comment is refused) so that no reading
      of the bytes, ours or feedparser's, can differ in what it takes for a comment.
    """
    # The very function feedparser.parse decodes with (feedparser is pinned), same input.
    decoding: dict[str, Any] = {}
    as_feedparser_reads_it: bytes = convert_to_utf8(response_headers, content, decoding)
    for reading in (content, as_feedparser_reads_it):
        try:
            _parse_forbidding_declarations(reading)
        except DTDForbidden as error:
            # <!DOCTYPE html>: a web page, said as for any other.
            if str(error.name).lower() == "html":
                raise FeedError(str(WEB_PAGE)) from error
            raise FeedRefused(_refused()) from error
        except DefusedXmlException as error:
            raise FeedRefused(_refused()) from error
        except (SAXException, ValueError, LookupError):
            # Not well-formed, or in an encoding expat cannot read itself (a multi-byte one
            # other than UTF-8 and UTF-16: ValueError; an unknown name: LookupError).
            pass  # Searched below.
        if _declares_outside_cdata(_as_utf8(reading)):
            raise FeedRefused(_refused())


def _refused() -> str:
    return gettext(
        "the feed declares XML entities or a document type (DOCTYPE), which are refused: "
        "they can hide an XML bomb or read files on the server"
    )


def _parse_forbidding_declarations(data: bytes) -> None:
    # A SAX parse keeps nothing, so memory stays flat however large the feed.
    parser = DefusedExpatParser(
        namespaceHandling=1, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    parser.setContentHandler(ContentHandler())
    source = InputSource()
    source.setByteStream(BytesIO(data))
    parser.parse(source)


def _as_utf8(data: bytes) -> bytes:
    """`data` in UTF-8 if its first bytes say it is UTF-32 or UTF-16 (BOM, or a "<")."""
    for marks, encoding in UNICODE_MARKS:
        if data.startswith(marks):
            return data.decode(encoding, errors="replace").encode()
    return data


def _declares_outside_cdata(data: bytes) -> bool:
    """Whether "<!DOCTYPE" or "<!ENTITY" occurs outside <![CDATA[...]]>, in linear time."""
    position = 0
    while True:
        start = data.find(b"<![CDATA[", position)
        if start < 0:
            return DECLARATION.search(data, position) is not None
        if DECLARATION.search(data, position, start):
            return True
        end = data.find(b"]]>", start)
        if end < 0:
            # An unterminated section is not one a loose parser would skip.
            return DECLARATION.search(data, start) is not None
        position = end + 3


def _starts_like_html(content: bytes) -> bool:
    start = content[:1024].lstrip().removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _unusable_reason(content: bytes, parsed: Any) -> str:
    if _starts_like_html(content):
        return str(WEB_PAGE)
    if parsed.bozo:
        problem = str(parsed.get("bozo_exception", "")).strip()
        if problem:
            return gettext("the feed is not valid XML (%(problem)s)") % {"problem": problem[:150]}
        return gettext("the feed is invalid")
    return gettext("the address did not return an RSS or Atom feed")


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
