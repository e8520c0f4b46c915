"""X for customer care: the organization's mentions and recent searches, a post read by its
link, and a member's reply in the thread.

Reading uses the organization's app bearer token (`account.access_token`; OAuth 2.0
App-only), which X takes for public data: recent search (GET /2/tweets/search/recent) and
the mentions timeline of the organization's account (GET /2/users/:id/mentions, by its
user id in `account.account_id`, looked up from `account.handle` when missing). Both
need an X API plan that includes reading posts; X answers 403 otherwise, reported as
Rejected with X's reason.

Replies are posted as the member (OAuth 2.0 user token, refreshed like publishing). X
takes no idempotency key, so a reply cannot be retried safely: a caller that does not know
whether a reply went out must not send it again blindly (see
`registry.IDEMPOTENT_REPLY_NETWORKS`); X refuses an identical repeat as duplicate content,
reported as Rejected(reason="duplicate").
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx
from django.utils.translation import gettext as _

from chorus.networks import http
from chorus.networks.base import (
    AuthExpired,
    Connection,
    Incoming,
    IncomingPage,
    NetworkError,
    Rejected,
    RemotePost,
    ReplyTarget,
    Unavailable,
)
from chorus.networks.intents import with_query
from chorus.networks.x.adapter import TWEETS, X, _detail, _rate_limited

API = "https://api.x.com/2"
SEARCH = f"{API}/tweets/search/recent"
REPLY_INTENT = "https://x.com/intent/post"
TWEET_FIELDS = "created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,author_id"
FIELDS = {"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": "username,name"}
PAGE_SIZE = 100
# Pages read per poll at most; a larger burst keeps only its newest posts.
MAX_PAGES = 5
WEB_HOSTS = ("x.com", "twitter.com")
STATUS_PATH = re.compile(r"^/(?:[A-Za-z0-9_]{1,15}|i/web|i)/status(?:es)?/(\d{1,20})(?:/.*)?$")
USERNAME = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
# Languages X gives text it could not place ("und") or that has none ("zxx", "qme"...).
NO_LANGUAGE = ("und", "zxx", "qme", "qht", "qam", "qct", "qst")


def id_order(tweet_id: str) -> tuple[int, str]:
    """Post ids are numbers in strings: longer is newer, then by digits."""
    return len(tweet_id), tweet_id


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def incoming(tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> Incoming:
    """One post with its author from the answer's `includes.users`."""
    tweet_id = str(tweet["id"])
    author_id = str(tweet.get("author_id") or "")
    author = users.get(author_id, {})
    username = str(author.get("username") or "")
    parent = next(
        (
            str(reference.get("id") or "")
            for reference in tweet.get("referenced_tweets") or []
            if isinstance(reference, dict) and reference.get("type") == "replied_to"
        ),
        "",
    )
    conversation = str(tweet.get("conversation_id") or "")
    language = str(tweet.get("lang") or "")
    return Incoming(
        remote_id=tweet_id,
        url=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
        text=str(tweet.get("text") or ""),
        author_handle=f"@{username}" if username else "",
        author_name=str(author.get("name") or ""),
        author_url=f"https://x.com/{username}" if username else "",
        author_id=author_id,
        posted_at=_datetime(tweet.get("created_at")),
        parent_id=parent,
        # The conversation is named after the post that started it.
        root_id="" if conversation in ("", tweet_id) else conversation,
        language="" if language in NO_LANGUAGE else language,
    )


def _users(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = (body.get("includes") or {}).get("users") or []
    return {str(user["id"]): user for user in found if isinstance(user, dict) and "id" in user}


def _tweets(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data")
    return [tweet for tweet in (data if isinstance(data, list) else []) if isinstance(tweet, dict)]


def status_id(url: str) -> str:
    """The post id of an x.com or twitter.com post link; ValueError for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise ValueError(_("This is not a link to a post on X.")) from error
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("mobile.")
    match = STATUS_PATH.match(parts.path)
    if parts.scheme not in ("https", "http") or host not in WEB_HOSTS or not match:
        raise ValueError(
            _("This is not a link to a post on X; it looks like https://x.com/name/status/123.")
        )
    return match.group(1)


class XCare(X):
    """The X adapter, listening with the organization's app token and replying for members."""

    idempotent_replies: ClassVar[bool] = False

    def mentions(self, account: Connection, *, cursor: str = "") -> IncomingPage:
        """Posts mentioning the organization's account newer than `cursor` (a post id)."""
        user_id = account.account_id or self._user_id(account)
        url = f"{API}/users/{quote(user_id, safe='')}/mentions"
        return self._timeline(account, url, {}, cursor, page_parameter="pagination_token")

    def search(self, account: Connection, query: str, *, cursor: str = "") -> IncomingPage:
        """Posts of the last seven days matching `query` (X's search operators), newer than
        `cursor` (a post id)."""
        if not query.strip():
            raise ValueError(_("Enter words or a hashtag to search for."))
        return self._timeline(
            account, SEARCH, {"query": query.strip()}, cursor, page_parameter="next_token"
        )

    def lookup(self, url: str, *, account: Connection | None = None) -> Incoming:
        """The post at an x.com link, read with the organization's app token."""
        tweet_id = status_id(url)
        if account is None or not account.access_token:
            raise ValueError(
                _(
                    "Chorus can read posts on X only with the organization's X API access; "
                    "paste the post's text and author instead."
                )
            )
        response = self._app_get(account, f"{API}/tweets/{tweet_id}", FIELDS)
        body = {} if response.status_code == 404 else http.body(self.label, response)
        data = body.get("data")
        # A deleted or protected post is a 200 with errors (Not Found / Authorization Error).
        if not isinstance(data, dict) or "id" not in data:
            raise ValueError(
                _("This post on X is not public or no longer exists; paste its text instead.")
            )
        return incoming(data, _users(body))

    def reply(
        self, connection: Connection, text: str, target: ReplyTarget, idempotency_key: str
    ) -> RemotePost:
        """A reply from the member's account. Not idempotent: X takes no idempotency key."""
        if not target.remote_id.isdigit():
            raise ValueError(_("Chorus does not know which post on X to answer."))
        response = self._call(
            connection,
            "POST",
            TWEETS,
            json={"text": text, "reply": {"in_reply_to_tweet_id": target.remote_id}},
        )
        if response.status_code not in (200, 201):
            raise self._error(response)
        tweet_id = str((http.body(self.label, response).get("data") or {}).get("id", ""))
        if not tweet_id:
            raise Unavailable(_("X accepted the reply but did not say where it is."))
        handle = connection.handle or "i/web"
        return RemotePost(remote_id=tweet_id, url=f"https://x.com/{handle}/status/{tweet_id}")

    def reply_intent_url(self, text: str, target: ReplyTarget, *, instance: str = "") -> str:
        """X's compose page answering the post, with the text filled in."""
        if not target.remote_id.isdigit():
            raise ValueError(_("Chorus does not know which post on X to answer."))
        return with_query(REPLY_INTENT, [("in_reply_to", target.remote_id), ("text", text)])

    # --- Reading with the organization's app token -----------------------------------

    def _timeline(
        self,
        account: Connection,
        url: str,
        parameters: dict[str, str],
        cursor: str,
        *,
        page_parameter: str,
    ) -> IncomingPage:
        """Pages of posts newer than `cursor`, oldest first, and the newest id as cursor.
        The first poll (no cursor) reads one page."""
        found: dict[str, Incoming] = {}
        newest = cursor
        token = ""
        for _page in range(MAX_PAGES):
            params: dict[str, Any] = {**parameters, **FIELDS, "max_results": PAGE_SIZE}
            if cursor:
                params["since_id"] = cursor
            if token:
                params[page_parameter] = token
            body = http.body(self.label, self._app_get(account, url, params))
            users = _users(body)
            for tweet in _tweets(body):
                tweet_id = str(tweet.get("id") or "")
                if tweet_id.isdigit() and (not cursor or id_order(tweet_id) > id_order(cursor)):
                    found[tweet_id] = incoming(tweet, users)
                    newest = max(newest, tweet_id, key=id_order)
            token = str((body.get("meta") or {}).get("next_token") or "")
            if not cursor or not token:
                break
        items = [found[key] for key in sorted(found, key=id_order)]
        return IncomingPage(items=items, cursor=newest)

    def _user_id(self, account: Connection) -> str:
        username = USERNAME.match(account.handle.strip())
        if not username:
            raise NetworkError(
                _(
                    "Chorus needs the X account's handle or user id to read its mentions; "
                    "add it to the source."
                )
            )
        response = self._app_get(account, f"{API}/users/by/username/{username.group(1)}", {})
        data = http.body(self.label, response).get("data")
        if not isinstance(data, dict) or not str(data.get("id") or "").isdigit():
            raise Rejected(
                _("X does not know the account @%(handle)s.") % {"handle": username.group(1)},
                reason="unknown account",
            )
        return str(data["id"])

    def _app_get(self, account: Connection, url: str, params: dict[str, Any]) -> httpx.Response:
        """A GET with the app bearer token; errors mapped (an answer of 200 or 404 is the
        caller's to read)."""
        response = http.request(
            self.label,
            "GET",
            url,
            params=params,
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        status = response.status_code
        if status == 401:
            raise AuthExpired(
                _("X no longer accepts the organization's API token; enter a new one."),
                status=401,
            )
        if status == 429:
            raise _rate_limited(response)
        http.raise_for_transient(self.label, response)
        if status >= 400 and status != 404:
            detail = _detail(response) or f"X answered {status}"
            raise Rejected(
                _("X refused to read this: %(detail)s") % {"detail": detail},
                reason=detail,
                status=status,
            )
        return response
