"""Threads: the post intent, and posting for a member through the Threads API.

Members connect by OAuth 2.0. The code gives a short-lived token (one hour), which is
exchanged at once for a long-lived one (60 days); a long-lived token that has not yet
expired is refreshed with itself (`th_refresh_token`), since Threads has no refresh
tokens. Publishing is two calls: create a media container, then publish it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
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
from chorus.networks.intents import url_unless_in_text, with_query

# https://developers.facebook.com/docs/threads/threads-web-intents (threads.net redirects here).
POST_INTENT = "https://www.threads.com/intent/post"
AUTHORIZE = "https://threads.net/oauth/authorize"
SHORT_TOKEN = "https://graph.threads.net/oauth/access_token"
LONG_TOKEN = "https://graph.threads.net/access_token"
REFRESH_TOKEN = "https://graph.threads.net/refresh_access_token"
API = "https://graph.threads.net/v1.0"
SCOPES = "threads_basic,threads_content_publish,threads_manage_insights"
TEXT_LIMIT = 500
# Refresh a long-lived token once less than this is left (it must be a day old to refresh).
REFRESH_MARGIN = timedelta(days=7)
METRICS = "views,likes,replies,reposts,quotes"
# Graph API error codes: 190 is an invalid or expired token; these mean "slow down".
TOKEN_INVALID = 190
THROTTLED = {4, 17, 32, 613}


def _graph_error(response: httpx.Response) -> dict[str, Any]:
    found = http.error_body(response).get("error")
    return found if isinstance(found, dict) else {}


def _token_refused(response: httpx.Response) -> NetworkError:
    _raise_transient(response)
    message = str(_graph_error(response).get("message") or _("the sign-in was not accepted"))
    return AuthExpired(
        _("Threads refused the connection: %(detail)s") % {"detail": message}, status=400
    )


def _raise_transient(response: httpx.Response) -> None:
    code = _graph_error(response).get("code")
    if code in THROTTLED and response.status_code != 429:
        raise RateLimited(_("Threads asks Chorus to slow down."), retry_after=None)
    http.raise_for_transient("Threads", response)


# The code gives a short-lived token (client_secret_post); Meta's own grants, sent by GET,
# swap it for a long-lived one and renew that with itself. Threads has no refresh tokens.
SHORT_TOKEN_ENDPOINT = oauth.TokenEndpoint(
    label="Threads", url=SHORT_TOKEN, auth_method="client_secret_post", refused=_token_refused
)
LONG_TOKEN_ENDPOINT = dataclasses.replace(
    SHORT_TOKEN_ENDPOINT, url=LONG_TOKEN, default_lifetime=60 * 86400
)
REFRESH_TOKEN_ENDPOINT = dataclasses.replace(LONG_TOKEN_ENDPOINT, url=REFRESH_TOKEN)


class Threads:
    name: ClassVar[str] = "threads"
    label: ClassVar[str] = "Threads"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    token_lifetime_days: ClassVar[int | None] = 60

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        text = text.strip()
        return with_query(POST_INTENT, [("text", text), ("url", url_unless_in_text(text, url))])

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
        connection, found = oauth.exchange_code(
            SHORT_TOKEN_ENDPOINT, app, code=code, redirect_uri=redirect_uri
        )
        connection.account_id = str(found.get("user_id", ""))
        # The short-lived token lasts an hour: swap it for a 60-day one straight away.
        long_lived = oauth.extension_grant(
            LONG_TOKEN_ENDPOINT,
            app,
            grant_type="th_exchange_token",
            fields={"client_secret": app.client_secret, "access_token": connection.access_token},
        )
        oauth.store(LONG_TOKEN_ENDPOINT, connection, long_lived)
        connection.refreshed = False
        found_profile = self.profile(connection)
        connection.handle = found_profile.handle
        return connection

    def refresh(self, connection: Connection) -> None:
        if connection.expires_at is not None and connection.expires_at <= datetime.now(UTC):
            raise AuthExpired(_("Your Threads connection has expired. Please reconnect."))
        renewed = oauth.extension_grant(
            REFRESH_TOKEN_ENDPOINT,
            connection.app,
            grant_type="th_refresh_token",
            fields={"access_token": connection.access_token},
        )
        oauth.store(REFRESH_TOKEN_ENDPOINT, connection, renewed)

    def revoke(self, connection: Connection) -> None:
        """Threads has no endpoint to revoke a token: the member removes the app in
        their Threads settings; Chorus deletes its copy."""

    # --- Calls for a member ------------------------------------------------------------

    def profile(self, connection: Connection) -> Profile:
        response = self._call(connection, "GET", f"{API}/me", {"fields": "id,username,name"})
        found = http.body(self.label, response)
        username = str(found.get("username", ""))
        return Profile(
            account_id=str(found.get("id", "")),
            handle=username,
            display_name=str(found.get("name", "")),
            url=f"https://www.threads.com/@{username}" if username else "",
        )

    def publish(
        self, connection: Connection, text: str, url: str, idempotency_key: str
    ) -> RemotePost:
        """Create a text container (the link as attachment unless the text holds it),
        then publish it. Threads takes no idempotency key."""
        text = text.strip()
        if len(text) > TEXT_LIMIT:
            raise Rejected(
                _("Threads posts are limited to %(limit)s characters.") % {"limit": TEXT_LIMIT},
                reason="too_long",
            )
        fields = {"media_type": "TEXT", "text": text}
        if link := url_unless_in_text(text, url):
            fields["link_attachment"] = link
        user = connection.account_id
        created = self._call(connection, "POST", f"{API}/{user}/threads", fields)
        creation_id = str(http.body(self.label, created).get("id", ""))
        published = self._call(
            connection, "POST", f"{API}/{user}/threads_publish", {"creation_id": creation_id}
        )
        media_id = str(http.body(self.label, published).get("id", ""))
        if not media_id:
            raise Unavailable(_("Threads accepted the post but did not say where it is."))
        return RemotePost(remote_id=media_id, url=self._permalink(connection, media_id))

    def _permalink(self, connection: Connection, media_id: str) -> str:
        # The post is out: a failure here must not make the caller post it again.
        fallback = f"https://www.threads.com/@{connection.handle}" if connection.handle else ""
        try:
            response = self._call(connection, "GET", f"{API}/{media_id}", {"fields": "permalink"})
            return str(http.body(self.label, response).get("permalink") or fallback)
        except NetworkError:
            return fallback

    def fetch_metrics(self, connection: Connection, remote_ids: list[str]) -> list[Metrics]:
        """Lifetime insights per post (needs threads_manage_insights); reposts count quotes."""
        results: list[Metrics] = []
        for media_id in remote_ids:
            response = self._call(
                connection, "GET", f"{API}/{media_id}/insights", {"metric": METRICS}
            )
            values: dict[str, int] = {}
            for item in http.body(self.label, response).get("data") or []:
                value = self._metric_value(item)
                if value is not None:
                    values[str(item.get("name"))] = value
            reposts = values.get("reposts")
            results.append(
                Metrics(
                    remote_id=media_id,
                    reactions=values.get("likes"),
                    reposts=None if reposts is None else reposts + values.get("quotes", 0),
                    replies=values.get("replies"),
                    impressions=values.get("views"),
                )
            )
        return results

    @staticmethod
    def _metric_value(item: dict[str, Any]) -> int | None:
        if isinstance(item.get("total_value"), dict):
            return int(item["total_value"].get("value") or 0)
        entries = item.get("values") or []
        if entries and isinstance(entries[0], dict):
            return int(entries[0].get("value") or 0)
        return None

    def _call(
        self, connection: Connection, method: str, url: str, fields: dict[str, str]
    ) -> httpx.Response:
        """One API call as the member (token refreshed when it nears its end); any
        failure raised as a typed error."""
        expires_at = connection.expires_at
        if expires_at is not None and expires_at - REFRESH_MARGIN <= datetime.now(UTC):
            self.refresh(connection)
        fields = {**fields, "access_token": connection.access_token}
        if method == "GET":
            response = http.request(self.label, method, url, params=fields)
        else:
            response = http.request(self.label, method, url, data=fields)
        if response.status_code != 200:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> Exception:
        _raise_transient(response)
        status = response.status_code
        error = _graph_error(response)
        message = str(error.get("error_user_msg") or error.get("message") or "").strip()
        message = message or f"Threads answered {status}"
        if status == 401 or error.get("code") == TOKEN_INVALID:
            return AuthExpired(
                _("Your Threads connection has expired or was revoked. Please reconnect."),
                status=status,
            )
        if status == 403 and error.get("type") == "OAuthException":
            return AuthExpired(
                _("Threads no longer lets Chorus post for you (%(detail)s). Please reconnect.")
                % {"detail": message},
                status=403,
            )
        reason = "duplicate" if "duplicate" in message.lower() else "rejected"
        return Rejected(
            _("Threads refused the post: %(detail)s") % {"detail": message},
            reason=reason,
            status=status,
        )
