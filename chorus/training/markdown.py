"""Lessons and scenarios are written in Markdown and shown as safe HTML.

markdown-it-py renders CommonMark with raw HTML switched off (a trainer's `<script>` is shown
as text, never run); nh3 then keeps only the tags and attributes a lesson needs. Links open
outside Chorus with rel="noopener noreferrer nofollow" and only to http(s) or mailto; images
only from Chorus's own origin (the lesson's uploaded pictures), as the CSP allows nothing else.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MARKDOWN.enable("table").enable("strikethrough")

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def _same_origin_images(element: str, attribute: str, value: str) -> str | None:
    """Only pictures served by Chorus itself (a path on this site); the rest are dropped."""
    if element == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") else None
    return value


def render_markdown(text: str) -> SafeString:
    """The text as sanitised HTML, safe to put in a page."""
    html = _MARKDOWN.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_same_origin_images,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)
