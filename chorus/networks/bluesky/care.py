"""Bluesky for customer care: the organization's mentions and replies, searches, a post read
by its link, and a member's reply in the thread.

The organization's official account signs in like a member does, with an app password
(`Bluesky.login`: com.atproto.server.createSession); its session JWTs ride in the
`Connection`, and an expired session is refreshed (refreshSession) with
`connection.refreshed` set for the caller to store, as for publishing.

Notifications and searches are read through the account's PDS, which passes app.bsky.*
calls on to the AppView; a post pasted by its link is read from the public AppView, which
needs no sign-in.

A reply names its thread's root and parent (uri and cid, a strong reference each). It is
written under a record key derived from the idempotency key, like a published post: a
retry names the same record and gets back the reply already written, never a second one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from atproto_client import models  # type: ignore[import-untyped]
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.content.compliance import network_length
from chorus.networks.base import (
    Connection,
    Incoming,
    IncomingPage,
    Rejected,
    RemotePost,
    ReplyTarget,
)
from chorus.networks.bluesky.adapter import (
    MAX_GRAPHEMES,
    POST_COLLECTION,
    Bluesky,
    _json,
    _send,
    link_facets,
    tid_from_key,
)

PUBLIC_APPVIEW = "https://public.api.bsky.app"
NOTIFICATION_REASONS = ["mention", "reply"]
NOTIFICATIONS_PAGE = 50
SEARCH_PAGE = 100
# Pages read per poll at most; a larger burst keeps only its newest posts.
MAX_PAGES = 5
# searchPosts' `since` compares the post's sortAt (about its createdAt), which can be a
# little earlier than the indexedAt kept as the cursor: ask from a bit before, then drop
# what is not newer than the cursor.
SEARCH_OVERLAP = timedelta(minutes=5)
POST_URL = re.compile(r"^/profile/([^/\s]+)/post/([A-Za-z0-9._:~-]{1,512})/?$")
WEB_HOSTS = ("bsky.app", "www.bsky.app")
DID = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]+$")
HANDLE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newer(indexed_at: Any, cursor: datetime | None) -> bool:
    moment = _moment(indexed_at)
    return moment is not None and (cursor is None or moment > cursor)


def rkey_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def web_url(author: str, uri: str) -> str:
    """The post's page on bsky.app, by its author's handle (or DID) and record key."""
    return f"https://bsky.app/profile/{author}/post/{rkey_of(uri)}"


def _ref(value: Any) -> tuple[str, str]:
    if isinstance(value, dict) and isinstance(value.get("uri"), str):
        return value["uri"], str(value.get("cid") or "")
    return "", ""


def incoming(post: dict[str, Any]) -> Incoming:
    """A post view (or a notification, which has the same uri, cid, author and record)."""
    author: dict[str, Any] = post.get("author") or {}
    record: dict[str, Any] = post.get("record") or {}
    uri, cid = str(post["uri"]), str(post.get("cid") or "")
    did = str(author.get("did") or "")
    handle = str(author.get("handle") or did)
    reply: dict[str, Any] = record.get("reply") or {}
    root_uri, root_cid = _ref(reply.get("root"))
    parent_uri, _parent_cid = _ref(reply.get("parent"))
    langs = record.get("langs")
    return Incoming(
        remote_id=uri,
        url=web_url(handle, uri),
        text=str(record.get("text") or ""),
        author_handle=f"@{handle}" if handle and not handle.startswith("did:") else handle,
        author_name=str(author.get("displayName") or ""),
        author_url=f"https://bsky.app/profile/{handle}" if handle else "",
        author_id=did,
        posted_at=_moment(record.get("createdAt")) or _moment(post.get("indexedAt")),
        parent_id=parent_uri,
        root_id=root_uri,
        language=str(langs[0]) if isinstance(langs, list) and langs else "",
        # A post that starts a thread is its own root.
        extra={"cid": cid, "root_uri": root_uri or uri, "root_cid": root_cid or cid},
    )


def _posts(items: Any) -> list[dict[str, Any]]:
    return [
        item
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get("uri"), str)
    ]


def _by_time(item: dict[str, Any]) -> datetime:
    return _moment(item.get("indexedAt")) or datetime.min.replace(tzinfo=UTC)


def _page(found: list[dict[str, Any]], cursor: str) -> IncomingPage:
    found.sort(key=_by_time)
    newest = str(found[-1]["indexedAt"]) if found else cursor
    return IncomingPage(items=[incoming(item) for item in found], cursor=newest)


def post_location(url: str) -> tuple[str, str]:
    """The author (handle or DID) and record key of a bsky.app post link; ValueError else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise ValueError(_("This is not a link to a Bluesky post.")) from error
    match = POST_URL.match(parts.path)
    actor, rkey = match.groups() if match else ("", "")
    if (
        parts.scheme != "https"
        or (parts.hostname or "").lower() not in WEB_HOSTS
        or not (DID.match(actor) or HANDLE.match(actor))
    ):
        raise ValueError(
            _(
                "This is not a link to a Bluesky post; it looks like "
                "https://bsky.app/profile/name.bsky.social/post/3k4duaz5vfs2b."
            )
        )
    return actor, rkey


def _public(nsid: str, params: dict[str, Any]) -> dict[str, Any]:
    """An XRPC query to the public AppView (no sign-in)."""
    return _json(_send("GET", f"{PUBLIC_APPVIEW}/xrpc/{nsid}", params=params))


def _post_view(uri: str) -> dict[str, Any] | None:
    posts = _posts(_public("app.bsky.feed.getPosts", {"uris": [uri]}).get("posts"))
    return posts[0] if posts else None


class BlueskyCare(Bluesky):
    """The Bluesky adapter, listening and replying for the care inbox."""

    idempotent_replies: ClassVar[bool] = True

    def mentions(self, account: Connection, *, cursor: str = "") -> IncomingPage:
        """Mentions of and replies to the organization's account indexed after `cursor`
        (the newest `indexedAt` seen), oldest first."""
        since = _moment(cursor)
        found: list[dict[str, Any]] = []
        page_cursor = ""
        for _page_number in range(MAX_PAGES):
            params: dict[str, Any] = {
                "reasons": NOTIFICATION_REASONS,
                "limit": NOTIFICATIONS_PAGE,
            }
            if page_cursor:
                params["cursor"] = page_cursor
            body = self._call(
                account, "GET", "app.bsky.notification.listNotifications", params=params
            )
            items = _posts(body.get("notifications"))
            fresh = [
                item
                for item in items
                if item.get("reason") in NOTIFICATION_REASONS
                and _newer(item.get("indexedAt"), since)
            ]
            found.extend(fresh)
            page_cursor = str(body.get("cursor") or "")
            # Notifications come newest first: a page reaching back to the cursor ends it.
            # The first poll (no cursor) reads one page.
            if since is None or len(fresh) < len(items) or not page_cursor:
                break
        return _page(found, cursor)

    def search(self, account: Connection, query: str, *, cursor: str = "") -> IncomingPage:
        """Posts matching `query` indexed after `cursor`, newest pages first, oldest first in
        the answer (searchPosts needs a signed-in account on Bluesky's AppView)."""
        if not query.strip():
            raise ValueError(_("Enter words or a hashtag to search for."))
        since = _moment(cursor)
        found: list[dict[str, Any]] = []
        page_cursor = ""
        for _page_number in range(MAX_PAGES):
            params: dict[str, Any] = {"q": query.strip(), "sort": "latest", "limit": SEARCH_PAGE}
            if since is not None:
                params["since"] = (
                    (since - SEARCH_OVERLAP)
                    .astimezone(UTC)
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z")
                )
            if page_cursor:
                params["cursor"] = page_cursor
            body = self._call(account, "GET", "app.bsky.feed.searchPosts", params=params)
            items = _posts(body.get("posts"))
            found.extend(item for item in items if _newer(item.get("indexedAt"), since))
            page_cursor = str(body.get("cursor") or "")
            if since is None or not page_cursor or len(items) < SEARCH_PAGE:
                break
        return _page(found, cursor)

    def lookup(self, url: str, *, account: Connection | None = None) -> Incoming:
        """The public post at a bsky.app link, read from the public AppView."""
        actor, rkey = post_location(url)
        did = actor
        if not DID.match(actor):
            response = _send(
                "GET",
                f"{PUBLIC_APPVIEW}/xrpc/com.atproto.identity.resolveHandle",
                params={"handle": actor},
            )
            if response.status_code == 400:
                raise ValueError(
                    _("Bluesky does not know the account %(handle)s.") % {"handle": actor}
                )
            did = str(_json(response).get("did") or "")
            if not DID.match(did):
                raise ValueError(
                    _("Bluesky does not know the account %(handle)s.") % {"handle": actor}
                )
        post = _post_view(f"at://{did}/{POST_COLLECTION}/{rkey}")
        if post is None:
            raise ValueError(
                _("This Bluesky post is not public or no longer exists; paste its text instead.")
            )
        return incoming(post)

    def reply(
        self, connection: Connection, text: str, target: ReplyTarget, idempotency_key: str
    ) -> RemotePost:
        """A reply from the member's account under `target`, in its thread, written once."""
        length = network_length("bluesky", text)
        if length > MAX_GRAPHEMES:
            raise Rejected(
                _("The reply is %(length)s characters long; Bluesky takes at most %(limit)s.")
                % {"length": length, "limit": MAX_GRAPHEMES},
                reason="too long",
            )
        parent_uri, parent_cid, root_uri, root_cid = self._thread(target)
        record = models.AppBskyFeedPost.Record(
            text=text,
            created_at=timezone.now()
            .astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            facets=link_facets(text) or None,
            reply=models.AppBskyFeedPost.ReplyRef(
                root=models.ComAtprotoRepoStrongRef.Main(uri=root_uri, cid=root_cid),
                parent=models.ComAtprotoRepoStrongRef.Main(uri=parent_uri, cid=parent_cid),
            ),
        )
        return self._create_post(connection, record, tid_from_key(idempotency_key))

    def _thread(self, target: ReplyTarget) -> tuple[str, str, str, str]:
        """The parent's and root's uri and cid: from `target.extra`, else read from the
        public AppView (a post's record.reply names its root; without one it is the root)."""
        parent_uri = target.remote_id
        if not parent_uri.startswith("at://"):
            raise ValueError(_("Chorus does not know which Bluesky post to answer."))
        parent_cid = target.extra.get("cid", "")
        root_uri = target.extra.get("root_uri", "")
        root_cid = target.extra.get("root_cid", "")
        if not (parent_cid and root_uri and root_cid):
            post = _post_view(parent_uri)
            if post is None:
                raise Rejected(
                    _("The Bluesky post to answer is no longer there."), reason="deleted"
                )
            found = incoming(post)
            parent_cid = found.extra["cid"]
            root_uri, root_cid = found.extra["root_uri"], found.extra["root_cid"]
        return parent_uri, parent_cid, root_uri, root_cid

    def reply_intent_url(self, text: str, target: ReplyTarget, *, instance: str = "") -> str:
        """The post's page on bsky.app (Bluesky's compose link cannot start a reply)."""
        if target.url:
            return target.url
        if target.remote_id.startswith("at://"):
            author = target.remote_id.removeprefix("at://").split("/", 1)[0]
            return web_url(author, target.remote_id)
        raise ValueError(_("Chorus does not know the link of the post to answer."))
