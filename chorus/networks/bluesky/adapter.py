"""Bluesky (AT Protocol): connected by app password, posts with link facets and a link card.

The records are built with the `atproto` library's lexicon models (so a post is checked
against app.bsky.feed.post before it leaves), but the XRPC calls go through httpx with
`chorus.core.http.SafeTransport` directly rather than through `atproto.Client`. The
library would take our transport (`Request(transport=...)`), but its client keeps the
session to itself, refreshes by reading the JWT's expiry, and raises its own errors;
Chorus needs the tokens in a `Connection`, refreshed only when the PDS answers
ExpiredToken (then `connection.refreshed` set and the call retried once), and the
network's answers mapped to our typed errors. A member's PDS may be self-hosted, hence
the SSRF-safe transport.

Members connect with an app password (com.atproto.server.createSession): OAuth for
atproto needs DPoP and pushed authorization requests, and app passwords are the
documented alternative for third-party clients.

A retried publish cannot post twice: the record key is a TID derived from the
idempotency key, so the second createRecord names the same record, and when the PDS says
it exists already the existing post is returned.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx
from atproto_client import models  # type: ignore[import-untyped]
from atproto_client.models.utils import (  # type: ignore[import-untyped]
    get_model_as_dict,
    get_or_create,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.content.compliance import network_length
from chorus.content.preview import LinkPreview, fetch_link_preview
from chorus.core.http import FetchError, fetch
from chorus.networks import http as network_http
from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
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

DEFAULT_SERVICE = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_THUMB_BYTES = 1_000_000
GET_POSTS_LIMIT = 25
APP_PASSWORD = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")
# A URL with a scheme, up to white space; trailing punctuation is trimmed as Bluesky does.
URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
TRAILING = ".,;:!?'\""
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Record keys derived from idempotency keys carry a timestamp in this past window.
TID_EPOCH_MICROSECONDS = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z
TID_WINDOW_MICROSECONDS = 1 << 46  # about 2.2 years


def service_clean(value: str) -> str:
    """A PDS as "https://host" ("bsky.social" or a self-hosted server); ValueError otherwise."""
    return network_http.server_url(
        value.strip() or DEFAULT_SERVICE, network="Bluesky", example="bsky.social"
    )


def tid_from_key(idempotency_key: str) -> str:
    """A valid TID (atproto.com/specs/tid) that depends only on `idempotency_key`.

    64 bits: a zero top bit, 53 bits of microseconds, 10 bits of clock id, in base32-sortable.
    The PDS accepts a client-chosen record key; the post's real time is its createdAt.
    """
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    microseconds = TID_EPOCH_MICROSECONDS + (digest >> 10) % TID_WINDOW_MICROSECONDS
    value = (microseconds << 10) | (digest & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * (12 - index))) & 31] for index in range(13))


def link_facets(text: str) -> list[Any]:
    """A link facet for every http(s) URL in `text`, indexed by UTF-8 byte offsets."""
    facets = []
    for match in URL.finditer(text):
        uri = match.group(0).rstrip(TRAILING)
        # A closing parenthesis belongs to the URL only when the URL opened one.
        while uri.endswith(")") and uri.count(")") > uri.count("("):
            uri = uri[:-1].rstrip(TRAILING)
        start = len(text[: match.start()].encode("utf-8"))
        facets.append(
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(
                    byte_start=start, byte_end=start + len(uri.encode("utf-8"))
                ),
                features=[models.AppBskyRichtextFacet.Link(uri=uri)],
            )
        )
    return facets


def _xrpc_error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")


def is_expired_token(response: httpx.Response) -> bool:
    return response.status_code in (400, 401) and _xrpc_error(response)[0] == "ExpiredToken"


def raise_for_status(response: httpx.Response) -> None:
    """Map an XRPC error answer ({"error", "message"}) to the typed network errors."""
    status = response.status_code
    if status < 400:
        return
    error, message = _xrpc_error(response)
    detail = message or error or f"error {status}"
    if status == 401 or error in ("ExpiredToken", "InvalidToken", "AuthenticationRequired"):
        raise AuthExpired(
            _("Bluesky no longer accepts the connection (%(detail)s).") % {"detail": detail},
            status=status,
        )
    if status == 429:
        raise RateLimited(
            _("Bluesky asks us to slow down."),
            retry_after=network_http.retry_after(response, reset_header="ratelimit-reset"),
        )
    if status >= 500:
        raise Unavailable(_("Bluesky answered %(status)s.") % {"status": status}, status=status)
    raise Rejected(
        _("Bluesky refused this: %(detail)s.") % {"detail": detail}, reason=detail, status=status
    )


def _send(method: str, url: str, **options: Any) -> httpx.Response:
    """One request through the networks' SSRF-safe client; transport failures: Unavailable."""
    return network_http.request("Bluesky", method, url, **options)


def _json(response: httpx.Response) -> dict[str, Any]:
    raise_for_status(response)
    return network_http.body("Bluesky", response)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _session_into(connection: Connection, body: dict[str, Any]) -> None:
    access, refresh = body.get("accessJwt"), body.get("refreshJwt")
    did, handle = body.get("did"), body.get("handle")
    if not all(isinstance(value, str) and value for value in (access, refresh, did)):
        raise Unavailable(_("Bluesky did not return a session."))
    connection.access_token = str(access)
    connection.refresh_token = str(refresh)
    connection.account_id = str(did)
    connection.handle = str(handle or did)


class Bluesky:
    name: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    intent_takes_text: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    # Sessions are refreshed on ExpiredToken; an app password does not lapse by itself.
    token_lifetime_days: ClassVar[int | None] = None

    service_clean = staticmethod(service_clean)

    def intent_url(self, text: str, url: str, *, instance: str = "") -> str:
        full = text if not url or url in text else (f"{text}\n\n{url}" if text.strip() else url)
        return f"https://bsky.app/intent/compose?{urlencode({'text': full})}"

    # Connecting -------------------------------------------------------------------------

    def login(
        self, identifier: str, app_password: str, *, service: str = DEFAULT_SERVICE
    ) -> Connection:
        """A connection from the member's handle (or email) and an app password."""
        base = service_clean(service)
        identifier = identifier.strip().lstrip("@")
        app_password = app_password.strip().lower()
        if not identifier:
            raise ValueError(_("Enter your Bluesky handle, for example ada.bsky.social."))
        if not APP_PASSWORD.match(app_password):
            raise ValueError(
                _(
                    "Use an app password (Settings > Privacy and security > App passwords), "
                    "which looks like xxxx-xxxx-xxxx-xxxx, not your account password."
                )
            )
        response = _send(
            "POST",
            f"{base}/xrpc/com.atproto.server.createSession",
            json={"identifier": identifier, "password": app_password},
        )
        if response.status_code == 401:
            raise AuthExpired(_("wrong handle or app password"), status=401)
        connection = Connection(app=AppCredentials(), access_token="", instance=base)
        _session_into(connection, _json(response))
        return connection

    def refresh(self, connection: Connection) -> None:
        """New session tokens from the refresh JWT; AuthExpired when it is no longer valid."""
        response = _send(
            "POST",
            f"{service_clean(connection.instance)}/xrpc/com.atproto.server.refreshSession",
            headers={"Authorization": f"Bearer {connection.refresh_token}"},
        )
        if response.status_code in (400, 401) and _xrpc_error(response)[0] in (
            "ExpiredToken",
            "InvalidToken",
            "AuthenticationRequired",
            "AccountTakedown",
        ):
            raise AuthExpired(_("The Bluesky session has ended; reconnect your account."))
        _session_into(connection, _json(response))
        connection.refreshed = True

    def revoke(self, connection: Connection) -> None:
        # Deleting the session with the refresh JWT ends it; the app password stays with
        # the member, who can revoke it in Bluesky's settings.
        try:
            raise_for_status(
                _send(
                    "POST",
                    f"{service_clean(connection.instance)}/xrpc/com.atproto.server.deleteSession",
                    headers={"Authorization": f"Bearer {connection.refresh_token}"},
                )
            )
        except (NetworkError, ValueError) as error:
            logger.info("Ending a Bluesky session failed: %s", error)

    # Calls ------------------------------------------------------------------------------

    def _xrpc(
        self, connection: Connection, method: str, nsid: str, **options: Any
    ) -> httpx.Response:
        """One authenticated XRPC call, refreshing the session once on ExpiredToken."""
        url = f"{service_clean(connection.instance)}/xrpc/{nsid}"
        extra_headers = options.pop("headers", {})
        for attempt in range(2):
            headers = {**extra_headers, "Authorization": f"Bearer {connection.access_token}"}
            response = _send(method, url, headers=headers, **options)
            if attempt == 0 and is_expired_token(response):
                self.refresh(connection)
                continue
            return response
        return response

    def _call(self, connection: Connection, method: str, nsid: str, **options: Any) -> Any:
        return _json(self._xrpc(connection, method, nsid, **options))

    def profile(self, connection: Connection) -> Profile:
        body = self._call(
            connection,
            "GET",
            "app.bsky.actor.getProfile",
            params={"actor": connection.account_id or connection.handle},
        )
        handle = str(body.get("handle") or connection.handle)
        return Profile(
            account_id=str(body.get("did") or connection.account_id),
            handle=handle,
            display_name=str(body.get("displayName") or ""),
            url=f"https://bsky.app/profile/{handle}",
            followers=_count(body.get("followersCount")),
        )

    def publish(
        self, connection: Connection, text: str, url: str, idempotency_key: str
    ) -> RemotePost:
        if url and url not in text:
            text = f"{text}\n\n{url}" if text.strip() else url
        length = network_length("bluesky", text)
        if length > MAX_GRAPHEMES:
            raise Rejected(
                _("The post is %(length)s characters long; Bluesky takes at most %(limit)s.")
                % {"length": length, "limit": MAX_GRAPHEMES},
                reason="too long",
            )
        rkey = tid_from_key(idempotency_key)
        record = models.AppBskyFeedPost.Record(
            text=text,
            created_at=timezone.now()
            .astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            facets=link_facets(text) or None,
            embed=self._link_card(connection, url) if url else None,
        )
        return self._create_post(connection, record, rkey)

    def _create_post(self, connection: Connection, record: Any, rkey: str) -> RemotePost:
        """Write the post under `rkey`; when the key is taken by our own earlier attempt,
        that post is the answer (so a retry with the same key posts nothing new)."""
        response = self._xrpc(
            connection,
            "POST",
            "com.atproto.repo.createRecord",
            json={
                "repo": connection.account_id,
                "collection": POST_COLLECTION,
                "rkey": rkey,
                "validate": True,
                "record": get_model_as_dict(record),
            },
        )
        if response.status_code >= 400 and response.status_code not in (401, 429):
            # The record key may be taken by our own post (a retry of one that went out, or
            # a PDS that failed after writing it): then that post is the answer.
            existing = self._existing_post(connection, rkey)
            if existing is not None:
                return existing
        body = _json(response)
        uri = body.get("uri")
        if not isinstance(uri, str) or not uri:
            raise Unavailable(_("Bluesky did not return the new post."))
        return RemotePost(remote_id=uri, url=self._post_url(connection, rkey))

    def _existing_post(self, connection: Connection, rkey: str) -> RemotePost | None:
        response = self._xrpc(
            connection,
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": connection.account_id, "collection": POST_COLLECTION, "rkey": rkey},
        )
        if response.status_code != 200:
            return None
        uri = _json(response).get("uri")
        if not isinstance(uri, str) or not uri:
            return None
        return RemotePost(remote_id=uri, url=self._post_url(connection, rkey))

    def _post_url(self, connection: Connection, rkey: str) -> str:
        return f"https://bsky.app/profile/{connection.handle or connection.account_id}/post/{rkey}"

    def _link_card(self, connection: Connection, url: str) -> Any:
        """An app.bsky.embed.external card from the page's Open Graph data, or None."""
        try:
            preview = fetch_link_preview(url)
        except FetchError as error:
            logger.info("No link card for %s: %s", url, error)
            return None
        return models.AppBskyEmbedExternal.Main(
            external=models.AppBskyEmbedExternal.External(
                uri=url,
                title=preview.title or preview.site_name or url,
                description=preview.description,
                thumb=self._thumb(connection, preview),
            )
        )

    def _thumb(self, connection: Connection, preview: LinkPreview) -> Any:
        """The uploaded og:image blob; None when missing, too big or failing (no card image)."""
        if not preview.image_url:
            return None
        try:
            image = fetch(preview.image_url, max_bytes=MAX_THUMB_BYTES)
        except FetchError as error:
            logger.info("No thumbnail from %s: %s", preview.image_url, error)
            return None
        if not image.ok or not image.content_type.startswith("image/") or not image.content:
            return None
        try:
            body = self._call(
                connection,
                "POST",
                "com.atproto.repo.uploadBlob",
                content=image.content,
                headers={"Content-Type": image.content_type},
            )
            return get_or_create(body, models.ComAtprotoRepoUploadBlob.Response).blob
        except (NetworkError, ValueError) as error:
            logger.info("Uploading the thumbnail failed: %s", error)
            return None

    def fetch_metrics(self, connection: Connection, remote_ids: list[str]) -> list[Metrics]:
        found: list[Metrics] = []
        for start in range(0, len(remote_ids), GET_POSTS_LIMIT):
            batch = remote_ids[start : start + GET_POSTS_LIMIT]
            body = self._call(connection, "GET", "app.bsky.feed.getPosts", params={"uris": batch})
            posts = body.get("posts")
            # Deleted posts are simply missing from the answer.
            for post in posts if isinstance(posts, list) else []:
                if not isinstance(post, dict) or post.get("uri") not in batch:
                    continue
                reposts, quotes = _count(post.get("repostCount")), _count(post.get("quoteCount"))
                found.append(
                    Metrics(
                        remote_id=str(post["uri"]),
                        reactions=_count(post.get("likeCount")),
                        # A quote is a repost with a comment: both spread the post.
                        reposts=None if reposts is None else reposts + (quotes or 0),
                        replies=_count(post.get("replyCount")),
                    )
                )
        return found
