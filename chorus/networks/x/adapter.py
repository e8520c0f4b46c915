"""X: the tweet intent, and posting for a member through the X API v2.

Members connect by OAuth 2.0 Authorization Code with PKCE (S256) as a confidential
client. Access tokens live two hours; refresh tokens rotate (each refresh returns a new
one and retires the old), so every refresh sets `connection.refreshed` for the caller
to store them. X takes no idempotency key: a repeated post is refused as duplicate
content, which we report as Rejected(reason="duplicate").
"""

from __future__ import annotations

import contextlib
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
from chorus.networks.intents import text_with_url, url_unless_in_text, with_query

TWEET_INTENT = "https://x.com/intent/tweet"
AUTHORIZE = "https://x.com/i/oauth2/authorize"
TOKEN = "https://api.x.com/2/oauth2/token"
REVOKE = "https://api.x.com/2/oauth2/revoke"
ME = "https://api.x.com/2/users/me"
TWEETS = "https://api.x.com/2/tweets"
SCOPES = "tweet.read tweet.write users.read offline.access"
# Refresh when the token has less than this left, so it cannot lapse mid-call.
REFRESH_MARGIN = timedelta(seconds=60)
METRICS_BATCH = 100
DUPLICATE = "duplicate content"


def _detail(response: httpx.Response) -> str:
    found = http.error_body(response)
    detail = found.get("detail") or found.get("error_description") or found.get("title")
    if not detail and isinstance(found.get("errors"), list) and found["errors"]:
        first = found["errors"][0]
        detail = first.get("message") if isinstance(first, dict) else None
    return str(detail or "").strip()


def _rate_limited(response: httpx.Response) -> RateLimited:
    wait = http.retry_after(response, reset_header="x-rate-limit-reset")
    return RateLimited(_("X asks Chorus to slow down."), retry_after=wait, status=429)


def _token_refused(response: httpx.Response) -> NetworkError:
    if response.status_code == 429:
        return _rate_limited(response)
    http.raise_for_transient("X", response)
    reason = _detail(response) or _("the sign-in was not accepted")
    return AuthExpired(
        _("X refused the connection: %(reason)s.") % {"reason": reason},
        status=response.status_code,
    )


# Confidential clients authenticate with HTTP Basic and still send client_id in the form;
# access tokens live two hours.
TOKEN_ENDPOINT = oauth.TokenEndpoint(
    label="X",
    url=TOKEN,
    auth_method="client_secret_basic",
    refused=_token_refused,
    default_lifetime=7200,
    client_id_in_form=True,
)


class X:
    name: ClassVar[str] = "x"
    label: ClassVar[str] = "X"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    token_lifetime_days: ClassVar[int | None] = None

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        text = text.strip()
        return with_query(TWEET_INTENT, [("text", text), ("url", url_unless_in_text(text, url))])

    # --- Connecting --------------------------------------------------------------------

    def authorization(
        self, app: AppCredentials, *, redirect_uri: str, instance: str = ""
    ) -> Authorization:
        return oauth.authorization(
            AUTHORIZE, app, redirect_uri=redirect_uri, scope=SCOPES, pkce=True
        )

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
            TOKEN_ENDPOINT,
            app,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=authorization.code_verifier,
        )
        found = self.profile(connection)
        connection.account_id = found.account_id
        connection.handle = found.handle
        return connection

    def refresh(self, connection: Connection) -> None:
        """Refresh tokens rotate: each refresh returns a new one and retires the old."""
        oauth.refresh(TOKEN_ENDPOINT, connection)

    def revoke(self, connection: Connection) -> None:
        app = connection.app
        with contextlib.suppress(Unavailable):
            http.request(
                self.label,
                "POST",
                REVOKE,
                data={
                    "token": connection.access_token,
                    "token_type_hint": "access_token",
                    "client_id": app.client_id,
                },
                auth=(app.client_id, app.client_secret) if app.client_secret else None,
            )

    # --- Calls for a member ------------------------------------------------------------

    def profile(self, connection: Connection) -> Profile:
        response = self._call(connection, "GET", ME, params={"user.fields": "public_metrics"})
        if response.status_code != 200:
            raise self._error(response)
        data = http.body(self.label, response).get("data") or {}
        username = str(data.get("username", ""))
        followers = (data.get("public_metrics") or {}).get("followers_count")
        return Profile(
            account_id=str(data.get("id", "")),
            handle=username,
            display_name=str(data.get("name", "")),
            url=f"https://x.com/{username}" if username else "",
            followers=int(followers) if followers is not None else None,
        )

    def publish(
        self, connection: Connection, text: str, url: str, idempotency_key: str
    ) -> RemotePost:
        response = self._call(connection, "POST", TWEETS, json={"text": text_with_url(text, url)})
        if response.status_code not in (200, 201):
            raise self._error(response)
        tweet_id = str((http.body(self.label, response).get("data") or {}).get("id", ""))
        if not tweet_id:
            raise Unavailable(_("X accepted the post but did not say where it is."))
        handle = connection.handle or "i/web"
        return RemotePost(remote_id=tweet_id, url=f"https://x.com/{handle}/status/{tweet_id}")

    def fetch_metrics(self, connection: Connection, remote_ids: list[str]) -> list[Metrics]:
        """Public metrics of up to 100 posts per call; deleted posts are left out."""
        results: list[Metrics] = []
        for start in range(0, len(remote_ids), METRICS_BATCH):
            batch = remote_ids[start : start + METRICS_BATCH]
            response = self._call(
                connection,
                "GET",
                TWEETS,
                params={"ids": ",".join(batch), "tweet.fields": "public_metrics"},
            )
            if response.status_code != 200:
                raise self._error(response)
            for tweet in http.body(self.label, response).get("data") or []:
                counts: dict[str, Any] = tweet.get("public_metrics") or {}
                reposts = counts.get("retweet_count")
                results.append(
                    Metrics(
                        remote_id=str(tweet.get("id", "")),
                        reactions=counts.get("like_count"),
                        reposts=None
                        if reposts is None
                        else int(reposts) + int(counts.get("quote_count") or 0),
                        replies=counts.get("reply_count"),
                        impressions=counts.get("impression_count"),
                    )
                )
        return results

    def _call(
        self, connection: Connection, method: str, url: str, **options: Any
    ) -> httpx.Response:
        """One API call as the member, with a fresh token (refreshed within 60 s of
        expiry, and once after a 401); rate limits and outages raised."""
        expires_at = connection.expires_at
        if expires_at is not None and expires_at - REFRESH_MARGIN <= datetime.now(UTC):
            self.refresh(connection)
        response = self._send(connection, method, url, **options)
        if response.status_code == 401 and connection.refresh_token:
            self.refresh(connection)
            response = self._send(connection, method, url, **options)
        if response.status_code == 401:
            raise AuthExpired(
                _("Your X connection has expired or was revoked. Please reconnect."), status=401
            )
        if response.status_code == 429:
            raise _rate_limited(response)
        http.raise_for_transient(self.label, response)
        return response

    def _send(
        self, connection: Connection, method: str, url: str, **options: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {connection.access_token}"}
        return http.request(self.label, method, url, headers=headers, **options)

    def _error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        detail = _detail(response) or f"X answered {status}"
        reason = "duplicate" if DUPLICATE in detail.lower() else "rejected"
        return Rejected(
            _("X refused the post: %(detail)s") % {"detail": detail}, reason=reason, status=status
        )
