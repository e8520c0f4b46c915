"""Slack's Web API through slack-sdk, and what its errors mean for Chorus.

The client talks to ``SLACK_API_URL`` (slack.com, or a server on loopback in the tests), an
address the operator sets, never one a user typed, so it does not need the SSRF-safe client.
It never retries by itself: the delivery engine retries with back-off, honouring Slack's
Retry-After, so one failure is one outcome.
"""

from __future__ import annotations

import enum
import http.client
from dataclasses import dataclass

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

# Scopes the bot asks for: post (chat:write), list channels to pick from (channels:read,
# groups:read for private ones it was invited to), open a direct message (im:write), find a
# member by their email (users:read, users:read.email).
BOT_SCOPES = (
    "chat:write",
    "channels:read",
    "groups:read",
    "im:write",
    "users:read",
    "users:read.email",
)


def slack_client(token: str = "") -> WebClient:
    client = WebClient(
        token=token or None,
        base_url=settings.SLACK_API_URL,
        timeout=settings.SLACK_TIMEOUT,
        retry_handlers=[],
    )
    # Like every outbound call of Chorus (core/http.py), no proxy from the environment.
    client.proxy = None
    return client


class Scope(enum.Enum):
    """What a failure is about: this message only, the member, the channel, or the token."""

    MESSAGE = "message"
    MEMBER = "member"
    ROUTE = "route"
    WORKSPACE = "workspace"


# Slack's error codes (the "error" of an answer with "ok": false) that end a token, a
# channel, or a member's account for good.
WORKSPACE_ERRORS = frozenset(
    {"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"}
)
ROUTE_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
MEMBER_ERRORS = frozenset({"user_not_found", "user_not_visible", "user_disabled"})
# Slack's own trouble: try again later.
TEMPORARY_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True)
class Failure:
    """A failed call in words for the delivery log, and what it means."""

    error: str
    temporary: bool
    scope: Scope = Scope.MESSAGE
    retry_after: int | None = None
    code: str = ""  # Slack's error code, when Slack answered


def _retry_after(value: str | None) -> int | None:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return None
    return min(max(seconds, 1), 3600)


def failure_of(error: Exception) -> Failure:
    """What an exception raised by a WebClient call means (see the module's docstring)."""
    if isinstance(error, SlackApiError):
        response = error.response
        status = int(response.status_code or 0)
        data = response.data if isinstance(response.data, dict) else {}
        code = str(data.get("error") or f"HTTP {status}")[:200]
        if status == 429 or code == "ratelimited":
            headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
            after = headers.get("retry-after")
            if isinstance(after, list):
                after = after[0] if after else None
            return Failure(
                f"Slack: {code}", temporary=True, retry_after=_retry_after(after), code=code
            )
        if code in WORKSPACE_ERRORS:
            return Failure(f"Slack: {code}", temporary=False, scope=Scope.WORKSPACE, code=code)
        if code in ROUTE_ERRORS:
            return Failure(f"Slack: {code}", temporary=False, scope=Scope.ROUTE, code=code)
        if code in MEMBER_ERRORS:
            return Failure(f"Slack: {code}", temporary=False, scope=Scope.MEMBER, code=code)
        temporary = status >= 500 or code in TEMPORARY_ERRORS
        return Failure(f"Slack: {code}", temporary=temporary, code=code)
    # URLError, timeouts and refused connections are all OSErrors.
    if isinstance(error, OSError | http.client.HTTPException):
        return Failure(f"Slack could not be reached: {error}"[:300], temporary=True)
    if isinstance(error, SlackClientError):
        return Failure(f"Slack client: {error}"[:300], temporary=False)
    return Failure(f"Slack: {type(error).__name__}", temporary=True)


# What `failure_of` expects to see: catch these around a WebClient call.
CALL_ERRORS: tuple[type[Exception], ...] = (
    SlackClientError,
    OSError,
    http.client.HTTPException,
    ValueError,
)
