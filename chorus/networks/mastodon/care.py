"""Mastodon for customer care: the organization's mentions and searches, a status read by
its link, and a member's reply in the thread.

Status ids are local to an instance: the same post has one id on the customer's server and
another on each server that has seen it. What care reads with the organization's account
carries the organization's instance and the status' ActivityPub `uri` in `extra`; a member
on another instance replies to the id their own server knows, found by resolving that
`uri` through their server's search (`resolve=true`), never to the foreign id.

Only public and unlisted posts are read: a private or direct mention is not for a public
answer.

Replies send the Idempotency-Key header like publishing does, so a retry with the same key
returns the reply already posted.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import nh3
from django.utils.translation import gettext as _

from chorus.networks import http as network_http
from chorus.networks.base import (
    Connection,
    Incoming,
    IncomingPage,
    RemotePost,
    ReplyTarget,
    Unavailable,
)
from chorus.networks.mastodon.adapter import (
    Mastodon,
    _bearer,
    _call,
    _send,
    instance_clean,
    raise_for_status,
)

# Mastodon answers at most 40 notifications (80 on newer servers) and 40 search results.
PAGE_SIZE = 40
PUBLIC_VISIBILITIES = ("public", "unlisted")
# https://host/@user/123, https://host/@user@other.host/123, https://host/users/user/statuses/123
STATUS_PATH = re.compile(r"^/(?:@[^/@\s]+(?:@[^/\s]+)?|users/[^/\s]+/statuses)/(\d+)/?$")
BREAK = re.compile(r"(?i)<br\s*/?>")
PARAGRAPH_END = re.compile(r"(?i)</p\s*>")
BLANK_LINES = re.compile(r"\n{3,}")


def html_text(content: str) -> str:
    """A status' HTML `content` as plain text: no tags kept (scripts and styles dropped with
    their content), entities decoded, a line per <br>, a blank line between paragraphs."""
    marked = PARAGRAPH_END.sub("\n\n", BREAK.sub("\n", content[:100_000]))
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numbers in strings (snowflakes): longer is newer, then by digits."""
    return len(status_id), status_id


def newer(status_id: str, cursor: str) -> bool:
    return not cursor or id_order(status_id) > id_order(cursor)


def status_location(url: str) -> tuple[str, str]:
    """The instance ("https://host") and status id of a Mastodon status link; ValueError for
    anything else (a profile, another site's address, a private or local host)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise ValueError(_("This is not a link to a Mastodon post.")) from error
    match = STATUS_PATH.match(parts.path)
    if parts.scheme not in ("https", "http") or not parts.hostname or not match:
        raise ValueError(
            _(
                "This is not a link to a Mastodon post; it looks like "
                "https://mastodon.social/@name/123456."
            )
        )
    return instance_clean(parts.hostname), match.group(1)


def _host(base: str) -> str:
    return urlsplit(base).hostname or ""


def incoming(status: dict[str, Any], *, instance: str) -> Incoming:
    """One Status entity read from `instance` (ids and handles as that server sees them)."""
    account: dict[str, Any] = status.get("account") or {}
    acct = str(account.get("acct") or account.get("username") or "")
    handle = f"@{acct}" if "@" in acct else f"@{acct}@{_host(instance)}"
    spoiler = str(status.get("spoiler_text") or "").strip()
    text = html_text(str(status.get("content") or ""))
    uri = str(status.get("uri") or "")
    return Incoming(
        remote_id=str(status["id"]),
        url=str(status.get("url") or uri),
        text=f"{spoiler}\n\n{text}".strip() if spoiler else text,
        author_handle=handle if acct else "",
        author_name=str(account.get("display_name") or ""),
        author_url=str(account.get("url") or ""),
        author_id=str(account.get("id") or ""),
        posted_at=_datetime(status.get("created_at")),
        # A single status does not say where its thread started.
        parent_id=str(status.get("in_reply_to_id") or ""),
        root_id="",
        language=str(status.get("language") or ""),
        extra={"instance": instance, "uri": uri},
    )


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _statuses(items: Any) -> list[dict[str, Any]]:
    """The readable public statuses in a list from the API, skipping broken entries."""
    found = []
    for item in items if isinstance(items, list) else []:
        if (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and item.get("visibility", "public") in PUBLIC_VISIBILITIES
        ):
            found.append(item)
    return found


def _list(response_body: Any) -> list[Any]:
    if not isinstance(response_body, list):
        raise Unavailable(_("The Mastodon server sent an answer Chorus could not read."))
    return response_body


class MastodonCare(Mastodon):
    """The Mastodon adapter, listening and replying for the care inbox."""

    idempotent_replies: ClassVar[bool] = True

    def mentions(self, account: Connection, *, cursor: str = "") -> IncomingPage:
        """Mentions of the organization's account newer than `cursor` (a notification id).

        `min_id` asks for the notifications just after the cursor, oldest first, so a burst
        of more than one page is read over the next polls rather than skipped.
        """
        base = instance_clean(account.instance)
        params: list[tuple[str, str | int]] = [("types[]", "mention"), ("limit", PAGE_SIZE)]
        if cursor:
            params.append(("min_id", cursor))
        response = _send(
            "GET", f"{base}/api/v1/notifications", params=params, headers=_bearer(account)
        )
        raise_for_status(response)
        notifications = [
            item
            for item in _list(_parsed(response))
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
        notifications.sort(key=lambda item: id_order(item["id"]))
        items = []
        newest = cursor
        for notification in notifications:
            if not newer(notification["id"], cursor):
                continue
            newest = max(newest, notification["id"], key=id_order)
            if notification.get("type", "mention") != "mention":
                continue
            for status in _statuses([notification.get("status")]):
                items.append(incoming(status, instance=base))
        return IncomingPage(items=items, cursor=newest)

    def search(self, account: Connection, query: str, *, cursor: str = "") -> IncomingPage:
        """Statuses matching `query` newer than `cursor` (a status id), with the
        organization's token (Mastodon searches statuses only for signed-in accounts, and
        only what the server's full-text search indexes)."""
        if not query.strip():
            raise ValueError(_("Enter words or a hashtag to search for."))
        base = instance_clean(account.instance)
        body = _call(
            "GET",
            f"{base}/api/v2/search",
            params={
                "q": query.strip(),
                "type": "statuses",
                "resolve": "false",
                "limit": PAGE_SIZE,
            },
            headers=_bearer(account),
        )
        found = [
            status for status in _statuses(body.get("statuses")) if newer(status["id"], cursor)
        ]
        found.sort(key=lambda status: id_order(status["id"]))
        newest = max([cursor, *(status["id"] for status in found)], key=id_order)
        return IncomingPage(
            items=[incoming(status, instance=base) for status in found], cursor=newest
        )

    def lookup(self, url: str, *, account: Connection | None = None) -> Incoming:
        """The public status at `url`, read from the server in the link (no sign-in)."""
        base, status_id = status_location(url)
        response = _send("GET", f"{base}/api/v1/statuses/{quote(status_id, safe='')}")
        if response.status_code in (401, 403, 404, 410):
            raise ValueError(
                _("This Mastodon post is not public or no longer exists; paste its text instead.")
            )
        raise_for_status(response)
        body = network_http.body("The Mastodon server", response)
        if not isinstance(body.get("id"), str) or not _statuses([body]):
            raise ValueError(_("This Mastodon post is not public; paste its text instead."))
        return incoming(body, instance=base)

    def reply(
        self, connection: Connection, text: str, target: ReplyTarget, idempotency_key: str
    ) -> RemotePost:
        """A public reply from the member's account, in the thread of `target`."""
        base = instance_clean(connection.instance)
        body = _call(
            "POST",
            f"{base}/api/v1/statuses",
            headers={**_bearer(connection), "Idempotency-Key": idempotency_key},
            json={
                "status": text,
                "in_reply_to_id": self._local_id(connection, target),
                "visibility": "public",
            },
        )
        status_id = body.get("id")
        if not isinstance(status_id, str) or not status_id:
            raise Unavailable(_("The Mastodon server did not return the new post."))
        return RemotePost(remote_id=status_id, url=str(body.get("url") or body.get("uri") or ""))

    def _local_id(self, connection: Connection, target: ReplyTarget) -> str:
        """The target's id on the member's server: its own id when read there, else the id
        the member's server gives it once it resolves the status' uri (or link)."""
        base = instance_clean(connection.instance)
        known_on = target.extra.get("instance", "")
        if known_on and instance_clean(known_on) == base and target.remote_id:
            return target.remote_id
        address = target.extra.get("uri") or target.url
        if not address:
            if target.remote_id:
                return target.remote_id
            raise ValueError(_("Chorus does not know which Mastodon post to answer."))
        body = _call(
            "GET",
            f"{base}/api/v2/search",
            params={"q": address, "type": "statuses", "resolve": "true", "limit": 1},
            headers=_bearer(connection),
        )
        statuses = _statuses(body.get("statuses"))
        if not statuses:
            raise Unavailable(
                _("Your Mastodon server could not find the post to answer; try again later.")
            )
        return str(statuses[0]["id"])

    def reply_intent_url(self, text: str, target: ReplyTarget, *, instance: str = "") -> str:
        """The member's own server shows the foreign post to answer (it cannot take the text,
        which the member pastes); without a server, the post itself."""
        link, uri = target.url, target.extra.get("uri", "")
        if not (link or uri):
            raise ValueError(_("Chorus does not know the link of the post to answer."))
        if not instance:
            return link or uri
        address = quote(uri or link, safe="")
        return f"{instance_clean(instance)}/authorize_interaction?uri={address}"


def _parsed(response: Any) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise Unavailable(_("The Mastodon server sent an answer Chorus could not read.")) from error
