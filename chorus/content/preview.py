"""Open Graph previews of the links in posts, fetched through the SSRF-safe client."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html  # type: ignore[import-untyped]
from django.conf import settings
from django.utils.translation import gettext
from lxml import etree  # type: ignore[import-untyped]

from chorus.core.http import FetchError, check_url, fetch
from chorus.core.images import IMAGE_CONTENT_TYPES

HTML_TYPES = {"text/html", "application/xhtml+xml"}
# A page's <head> is enough; don't read a whole large page to find it.
PREVIEW_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class LinkPreview:
    title: str = ""
    description: str = ""
    image_url: str = ""
    canonical_url: str = ""
    site_name: str = ""


def fetch_link_preview(url: str) -> LinkPreview:
    """The page's Open Graph preview; FetchError with a readable reason when there is none."""
    result = fetch(url, max_bytes=PREVIEW_MAX_BYTES, headers={"Accept": "text/html,*/*;q=0.5"})
    if not result.ok:
        raise FetchError(gettext("the page returned %(status)s") % {"status": result.status_code})
    if result.content_type and result.content_type not in HTML_TYPES:
        raise FetchError(gettext("not a web page (%(type)s)") % {"type": result.content_type})
    return parse_link_preview(result.content, base_url=result.url)


def parse_link_preview(content: bytes, *, base_url: str) -> LinkPreview:
    try:
        document = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError) as error:
        raise FetchError(gettext("not a web page")) from error
    meta: dict[str, str] = {}
    for element in document.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        value = (element.get("content") or "").strip()
        if key and value and key not in meta:
            meta[key] = value
    canonical = ""
    for link in document.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href", "")
            break
    title = meta.get("og:title") or meta.get("twitter:title") or _text(document.find(".//title"))
    return LinkPreview(
        title=title[:300],
        description=(
            meta.get("og:description")
            or meta.get("twitter:description")
            or meta.get("description", "")
        )[:2000],
        image_url=_absolute(meta.get("og:image") or meta.get("twitter:image", ""), base_url),
        canonical_url=_absolute(meta.get("og:url") or canonical, base_url) or base_url,
        site_name=meta.get("og:site_name", "")[:200],
    )


def _text(element: etree._Element | None) -> str:
    return " ".join((element.text_content() if element is not None else "").split())  # type: ignore[attr-defined]


def _absolute(url: str, base_url: str) -> str:
    """An absolute http(s) URL, or "" for anything else (javascript:, data:, junk)."""
    if not url:
        return ""
    absolute = urljoin(base_url, url)
    try:
        check_url(absolute)
    except FetchError:
        return ""
    return absolute[:2000]


def fetch_preview_image(url: str) -> bytes:
    """The bytes of a preview's image (at most POST_IMAGE_MAX_BYTES); FetchError otherwise.

    Only answers that say they are an image we take are read: an HTML error page or a
    video behind an og:image is refused before Pillow ever sees it.
    """
    result = fetch(
        url,
        max_bytes=settings.POST_IMAGE_MAX_BYTES,
        headers={"Accept": "image/webp,image/png,image/jpeg,image/gif;q=0.8"},
    )
    if not result.ok:
        raise FetchError(gettext("the image returned %(status)s") % {"status": result.status_code})
    if result.content_type and result.content_type not in IMAGE_CONTENT_TYPES:
        raise FetchError(gettext("not an image (%(type)s)") % {"type": result.content_type})
    if not result.content:
        raise FetchError(gettext("the image is empty"))
    return result.content
