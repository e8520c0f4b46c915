"""Mastodon: any instance a member chooses, an OAuth app registered per instance.

Built on httpx rather than Mastodon.py: Mastodon.py talks through `requests`, which would
bypass `chorus.core.http.SafeTransport`. The instance is typed in by a member, so every
call must go through the SSRF-safe transport (no private, loopback or link-local
addresses, whatever the host name resolves to); the handful of endpoints we need do not
justify a second HTTP stack.

Publishing sends the Idempotency-Key header, which Mastodon honours for an hour: a retry
with the same key returns the status already created instead of posting twice.
Mastodon access tokens do not expire, so there is nothing to refresh; a revoked token
means the member reconnects.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from chorus.networks import http as network_http
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

logger = logging.getLogger(__name__)

SCOPES = "read:accounts read:statuses write:statuses"
HANDLE = re.compile(r"^@?[^@\s/]+@([^@\s/]+)$")


def instance_clean(value: str) -> str:
    """The instance as "https://host" from what a member typed; ValueError otherwise.

    Takes "mastodon.social", "https://mastodon.social/" or a handle "@user@mastodon.social".
    """
    text = value.strip()
    if not text:
        raise ValueError(_("Enter your Mastodon server, for example mastodon.social."))
    handle = HANDLE.match(text)
    return network_http.server_url(
        handle.group(1) if handle else text,
        network="Mastodon",
        example="mastodon.social",
        accept_http=True,
    )


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or "")
    return ""


def raise_for_status(response: httpx.Response) -> None:
    """Map an error answer to the typed network errors; nothing for a 2xx."""
    status = response.status_code
    if status < 400:
        return
    text = _error_text(response)
    if status == 401:
        raise AuthExpired(
            _("Mastodon no longer accepts the connection (%(detail)s).")
            % {"detail": text or "unauthorized"},
            status=status,
        )
    if status == 403:
        lowered = text.lower()
        if any(word in lowered for word in ("scope", "revoked", "token", "expired")):
            raise AuthExpired(
                _("Mastodon refused the connection (%(detail)s).") % {"detail": text}, status=status
            )
        raise Rejected(
            _("Mastodon refused this (%(detail)s).") % {"detail": text or "forbidden"},
            status=status,
        )
    if status == 429:
        raise RateLimited(
            _("Mastodon asks us to slow down."),
            retry_after=network_http.retry_after(response, reset_header="x-ratelimit-reset"),
        )
    if status >= 500:
        raise Unavailable(
            _("The Mastodon server answered %(status)s.") % {"status": status}, status=status
        )
    raise Rejected(
        _("Mastodon refused this: %(detail)s.") % {"detail": text or f"error {status}"},
        status=status,
    )


def _send(method: str, url: str, **options: Any) -> httpx.Response:
    """One request through the networks' SSRF-safe client; transport failures: Unavailable."""
    return network_http.request("The Mastodon server", method, url, **options)


def _json(response: httpx.Response) -> dict[str, Any]:
    raise_for_status(response)
    return network_http.body("The Mastodon server", response)


def _call(method: str, url: str, **options: Any) -> dict[str, Any]:
    return _json(_send(method, url, **options))


def _bearer(connection: Connection) -> dict[str, str]:
    return {"Authorization": f"Bearer {connection.access_token}"}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Mastodon:
    name: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    # Mastodon tokens do not expire.
    token_lifetime_days: ClassVar[int | None] = None

    instance_clean = staticmethod(instance_clean)

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        """The instance's own share page.

        Without an instance this raises ValueError rather than falling back to an outside
        share service (which would see every caption): the UI asks the member for their
        server instead.
        """
        if not instance:
            raise ValueError(_("Enter your Mastodon server to share there."))
        return f"{instance_clean(instance)}/share?{urlencode({'text': _with_url(text, url)})}"

    def register_app(self, instance: str, *, redirect_uri: str) -> AppCredentials:
        """Register Chorus as an OAuth app on the instance (once per instance)."""
        base = instance_clean(instance)
        body = _call(
            "POST",
            f"{base}/api/v1/apps",
            data={
                "client_name": settings.SITE_NAME,
                "redirect_uris": redirect_uri,
                "scopes": SCOPES,
                "website": settings.SITE_URL,
            },
        )
        client_id, client_secret = body.get("client_id"), body.get("client_secret")
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            raise Unavailable(_("The Mastodon server did not return app credentials."))
        return AppCredentials(client_id=client_id, client_secret=client_secret)

    def authorization(
        self, app: AppCredentials, *, redirect_uri: str, instance: str = ""
    ) -> Authorization:
        base = instance_clean(instance)
        state = secrets.token_urlsafe(32)
        verifier, challenge = network_http.pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return Authorization(
            url=f"{base}/oauth/authorize?{query}",
            state=state,
            code_verifier=verifier,
            extra={"instance": base},
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
        base = instance_clean(instance or authorization.extra.get("instance", ""))
        body = _call(
            "POST",
            f"{base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "redirect_uri": redirect_uri,
                "code_verifier": authorization.code_verifier,
                "scope": SCOPES,
            },
        )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise Unavailable(_("The Mastodon server did not return an access token."))
        connection = Connection(app=app, access_token=token, instance=base)
        found = self.profile(connection)
        connection.account_id = found.account_id
        connection.handle = found.handle
        return connection

    def refresh(self, connection: Connection) -> None:
        raise AuthExpired(_("Mastodon tokens are not refreshed; reconnect your account."))

    def profile(self, connection: Connection) -> Profile:
        base = instance_clean(connection.instance)
        body = _call(
            "GET", f"{base}/api/v1/accounts/verify_credentials", headers=_bearer(connection)
        )
        account_id, acct = body.get("id"), body.get("acct")
        if not isinstance(account_id, str) or not isinstance(acct, str):
            raise Unavailable(_("The Mastodon server did not say who the account is."))
        host = urlsplit(base).hostname
        handle = f"@{acct}" if "@" in acct else f"@{acct}@{host}"
        return Profile(
            account_id=account_id,
            handle=handle,
            display_name=str(body.get("display_name") or ""),
            url=str(body.get("url") or ""),
            followers=_count(body.get("followers_count")),
        )

    def publish(
        self, connection: Connection, text: str, url: str, idempotency_key: str
    ) -> RemotePost:
        base = instance_clean(connection.instance)
        body = _call(
            "POST",
            f"{base}/api/v1/statuses",
            headers={**_bearer(connection), "Idempotency-Key": idempotency_key},
            json={"status": _with_url(text, url), "visibility": "public"},
        )
        status_id = body.get("id")
        if not isinstance(status_id, str) or not status_id:
            raise Unavailable(_("The Mastodon server did not return the new post."))
        return RemotePost(remote_id=status_id, url=str(body.get("url") or body.get("uri") or ""))

    def fetch_metrics(self, connection: Connection, remote_ids: list[str]) -> list[Metrics]:
        base = instance_clean(connection.instance)
        found: list[Metrics] = []
        for remote_id in remote_ids:
            response = _send(
                "GET",
                f"{base}/api/v1/statuses/{quote(remote_id, safe='')}",
                headers=_bearer(connection),
            )
            # A deleted status is simply gone; the others still count.
            if response.status_code in (404, 410):
                continue
            body = _json(response)
            found.append(
                Metrics(
                    remote_id=remote_id,
                    reactions=_count(body.get("favourites_count")),
                    reposts=_count(body.get("reblogs_count")),
                    replies=_count(body.get("replies_count")),
                )
            )
        return found

    def revoke(self, connection: Connection) -> None:
        try:
            base = instance_clean(connection.instance)
            raise_for_status(
                _send(
                    "POST",
                    f"{base}/oauth/revoke",
                    data={
                        "client_id": connection.app.client_id,
                        "client_secret": connection.app.client_secret,
                        "token": connection.access_token,
                    },
                )
            )
        except (NetworkError, ValueError) as error:
            logger.info("Revoking a Mastodon token failed: %s", error)


def _with_url(text: str, url: str) -> str:
    if not url or url in text:
        return text
    return f"{text}\n\n{url}" if text.strip() else url
