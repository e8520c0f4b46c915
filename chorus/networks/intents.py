"""Building share links (intents): every value percent-encoded, the URL never twice."""

from __future__ import annotations

from urllib.parse import quote


def encode(value: str) -> str:
    """Percent-encode everything but the unreserved characters (RFC 3986), spaces as %20."""
    return quote(value, safe="")


def with_query(base: str, parameters: list[tuple[str, str]]) -> str:
    """`base` with the non-empty parameters, in order, each value percent-encoded."""
    query = "&".join(f"{name}={encode(value)}" for name, value in parameters if value)
    return f"{base}?{query}" if query else base


def text_with_url(text: str, url: str) -> str:
    """The text with the URL at the end on a line of its own, unless it already holds it."""
    text = text.strip()
    if not url or url in text:
        return text
    return f"{text}\n\n{url}" if text else url


def url_unless_in_text(text: str, url: str) -> str:
    """The URL for a separate `url=` parameter, or "" when the text already carries it."""
    return "" if url and url in text else url


def headline(text: str, url: str, *, length: int) -> str:
    """The first line of the text without the link, cut at a word to `length` characters."""
    for line in text.splitlines():
        line = line.replace(url, "").strip() if url else line.strip()
        if line:
            if len(line) <= length:
                return line
            cut = line[: length - 1].rsplit(" ", 1)[0].rstrip()
            return f"{cut or line[: length - 1]}…"
    return ""
