"""The post behind a web page: is the page a member is reading a live post of their feed?

The browser extension asks when the member opens it on a page. Addresses are compared the
way a reader would: the scheme, the host's case, a default port, a trailing slash, the
fragment and campaign parameters (utm_*, which our own tracked links add) do not make two
addresses different pages.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit

from chorus.accounts.models import Membership, Organization
from chorus.content.models import Post
from chorus.sharing.selectors.feed import NEWEST_FIRST, feed_posts

DEFAULT_PORTS = {"http": 80, "https": 443}
# Enough for any organization's live posts on one site; the newest are looked at first.
MAX_CANDIDATES = 500


def page_key(url: str) -> str | None:
    """What identifies the page at `url` (None for an address that is not a web page)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = "&".join(
        piece
        for piece in parts.query.split("&")
        if piece and not unquote_plus(piece.partition("=")[0]).lower().startswith("utm_")
    )
    return f"{host}{path}?{query}"


def page_post(*, organization: Organization, membership: Membership, url: str) -> Post | None:
    """The newest live post of the member's feed whose link is the page at `url`."""
    key = page_key(url)
    if key is None:
        return None
    host = key.partition("?")[0].split("/", 1)[0].partition(":")[0]
    # Narrowed in the database to the feed's posts on the same host, compared here.
    candidates = (
        feed_posts(organization=organization, membership=membership)
        .filter(link_url__icontains=host)
        .order_by(*NEWEST_FIRST)[:MAX_CANDIDATES]
    )
    for post in candidates:
        if page_key(post.link_url) == key:
            return post
    return None
