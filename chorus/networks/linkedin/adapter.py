"""LinkedIn: the share-offsite link, and posting for a member through the Posts API.

Members connect by OAuth 2.0 (scope `openid profile w_member_social`). Access tokens
live about 60 days; LinkedIn hands out refresh tokens only to some partner apps, so
without one the member reconnects when the token lapses.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from chorus.networks import http, oauth
from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Authorization,
    Connection,
    Metrics,
    NetworkError,
    Profile,
    RateLimited,
    Rejected,
    RemotePost,
    Unavailable,
)
from chorus.networks.intents import headline, with_query

SHARE_OFFSITE = "https://www.linkedin.com/sharing/share-offsite/"
AUTHORIZE = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN = "https://www.linkedin.com/oauth/v2/accessToken"
REVOKE = "https://www.linkedin.com/oauth/v2/revoke"
USERINFO = "https://api.linkedin.com/v2/userinfo"
POSTS = "https://api.linkedin.com/rest/posts"
SOCIAL_METADATA = "https://api.linkedin.com/rest/socialMetadata/"
SCOPES = "openid profile w_member_social"
# Versions are monthly and retired after about a year; LINKEDIN_API_VERSION overrides.
API_VERSION = "202609"
TITLE_LENGTH = 200

# Characters the "little" text format of commentary reserves; plain text escapes them.
RESERVED = re.compile(r"[\\|{}@\[\]()<>#*_~]")
# Kept as they are: links (so they stay links) and #hashtags (so they stay hashtags).
KEEP = re.compile(r"https?://\S+|#\w+")


def little_text(text: str) -> str:
    """The text escaped for the commentary field, links and hashtags left working."""
    parts: list[str] = []
    position = 0
    for kept in KEEP.finditer(text):
        parts.append(RESERVED.sub(lambda m: "\\" + m.group(0), text[position : kept.start()]))
        parts.append(kept.group(0))
        position = kept.end()
    parts.append(RESERVED.sub(lambda m: "\\" + m.group(0), text[position:]))
    return "".join(parts)


def _api_version() -> str:
    return str(getattr(settings, "LINKEDIN_API_VERSION", "") or API_VERSION)


def _message(response: httpx.Response) -> str:
    found = http.error_body(response)
    return str(found.get("message") or found.get("error_description") or "").strip()


def _token_refused(response: httpx.Response) -> NetworkError:
    http.raise_for_transient("LinkedIn", response)
    reason = _message(response) or "the sign-in was not accepted"
    return AuthExpired(
        _("LinkedIn refused the connection: %(reason)s.") % {"reason": reason}, status=400
    )


# Access tokens live 60 days; LinkedIn does not rotate refresh tokens (oauth.store keeps
# the old one when the answer has none).
TOKEN_ENDPOINT = oauth.TokenEndpoint(
    label="LinkedIn",
    url=TOKEN,
    auth_method="client_secret_post",
    refused=_token_refused,
    default_lifetime=60 * 86400,
)


class LinkedIn:
    name: ClassVar[str] = "linkedin"
    label: ClassVar[str] = "LinkedIn"
    intent_takes_text: ClassVar[bool] = False
    can_publish: ClassVar[bool] = True
    token_lifetime_days: ClassVar[int | None] = 60

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        return with_query(SHARE_OFFSITE, [("url", url)])

    # --- Connecting --------------------------------------------------------------------

    def authorization(
        self, app: AppCredentials, *, redirect_uri: str, instance: str = ""
    ) -> Authorization:
        return oauth.authorization(AUTHORIZE, app, redirect_uri=redirect_uri, scope=SCOPES)

    def exchange_code(
        self,
        app: AppCredentials,
        *,
        code: str,
        redirect_uri: str,
        authorization: Authorization,
        instance: str = "",
    ) -> Connection:
        connection, _token = oauth.exchange_code(
            TOKEN_ENDPOINT, app, code=code, redirect_uri=redirect_uri
        )
        found = self.profile(connection)
        connection.account_id = found.account_id
        connection.handle = found.handle
        return connection

    def refresh(self, connection: Connection) -> None:
        oauth.refresh(TOKEN_ENDPOINT, connection)

    def revoke(self, connection: Connection) -> None:
        with contextlib.suppress(Unavailable):
            http.request(
                self.label,
                "POST",
                REVOKE,
                data={
                    "client_id": connection.app.client_id,
                    "client_secret": connection.app.client_secret,
                    "token": connection.access_token,
                },
            )

    # --- Calls for a member ------------------------------------------------------------

    def profile(self, connection: Connection) -> Profile:
        response = self._call(connection, "GET", USERINFO)
        found = http.body(self.label, response)
        name = str(found.get("name") or "").strip()
        return Profile(account_id=str(found.get("sub", "")), handle=name, display_name=name)

    def publish(
        self, connection: Connection, text: str, url: str, idempotency_key: str
    ) -> RemotePost:
        """Post as the member; LinkedIn takes no idempotency key (the caller records attempts)."""
        post: dict[str, Any] = {
            "author": f"urn:li:person:{connection.account_id}",
            "commentary": little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if url:
            title = headline(text, url, length=TITLE_LENGTH) or httpx.URL(url).host
            post["content"] = {"article": {"source": url, "title": title}}
        response = self._call(connection, "POST", POSTS, json=post)
        if response.status_code != 201:
            raise self._error(response)
        urn = response.headers.get("x-restli-id", "").strip()
        if not urn:
            raise Unavailable(_("LinkedIn accepted the post but did not say where it is."))
        return RemotePost(remote_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def fetch_metrics(self, connection: Connection, remote_ids: list[str]) -> list[Metrics]:
        """Reactions and comments from the Social Metadata API, one call per post.

        Reading them needs `r_member_social`, which LinkedIn grants only to approved
        apps: without it LinkedIn answers 403, and the batch comes back empty instead of
        failing. LinkedIn does not report reposts or impressions for members' posts.
        """
        results: list[Metrics] = []
        for urn in remote_ids:
            response = self._call(connection, "GET", SOCIAL_METADATA + quote(urn, safe=""))
            if response.status_code == 403:
                return []
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise self._error(response)
            found = http.body(self.label, response)
            summaries = found.get("reactionSummaries") or {}
            reactions = sum(
                int(summary.get("count") or 0)
                for summary in summaries.values()
                if isinstance(summary, dict)
            )
            comments = (found.get("commentSummary") or {}).get("count")
            results.append(
                Metrics(
                    remote_id=urn,
                    reactions=reactions,
                    replies=int(comments) if comments is not None else None,
                )
            )
        return results

    def _call(
        self, connection: Connection, method: str, url: str, **options: Any
    ) -> httpx.Response:
        """One API call as the member: refreshed first when the token lapsed, and once
        more after a 401 where a refresh token exists; transient failures raised."""
        now = datetime.now(UTC)
        if connection.expires_at is not None and connection.expires_at <= now:
            self.refresh(connection)
        response = self._send(connection, method, url, **options)
        if response.status_code == 401 and connection.refresh_token:
            self.refresh(connection)
            response = self._send(connection, method, url, **options)
        if response.status_code == 401:
            raise AuthExpired(
                _("Your LinkedIn connection has expired or was revoked. Please reconnect."),
                status=401,
            )
        http.raise_for_transient(self.label, response)
        return response

    def _send(
        self, connection: Connection, method: str, url: str, **options: Any
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {connection.access_token}",
            "LinkedIn-Version": _api_version(),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        return http.request(self.label, method, url, headers=headers, **options)

    def _error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        message = _message(response) or f"LinkedIn answered {status}"
        found = http.error_body(response)
        if status == 403 and (
            found.get("code") == "ACCESS_DENIED" or "permission" in message.lower()
        ):
            return AuthExpired(
                _("LinkedIn no longer lets Chorus post for you (%(detail)s). Please reconnect.")
                % {"detail": message},
                status=403,
            )
        if status == 429:
            return RateLimited(message, retry_after=http.retry_after(response))
        reason = "duplicate" if "duplicate" in message.lower() else "rejected"
        return Rejected(
            _("LinkedIn refused the post: %(detail)s") % {"detail": message},
            reason=reason,
            status=status,
        )
