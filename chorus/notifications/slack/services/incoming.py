"""What Slack sends to Chorus: events (the app uninstalled, tokens revoked) and interactions.

Every request is checked with Slack's signing secret before anything is read from it
(``X-Slack-Signature``: HMAC-SHA256 of ``v0:<timestamp>:<body>``, and a timestamp within
five minutes). A request whose signature was already seen is refused too, so a captured
request cannot be played again within those five minutes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from slack_sdk.signature import SignatureVerifier

from chorus.core.tenancy import across_organizations
from chorus.notifications.slack.services.workspaces import (
    REVOKED_TOKEN,
    REVOKED_UNINSTALLED,
    workspaces_revoke_for_team,
)

TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
TEAM_ID = re.compile(r"^[A-Z0-9]{1,32}$")


def request_verified(*, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether Slack signed this request, now, and for the first time."""
    secret = str(settings.SLACK_SIGNING_SECRET or "")
    if not secret.strip():
        return False
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp", "")
    signature = lowered.get("x-slack-signature", "")
    if not TIMESTAMP.match(timestamp) or not SIGNATURE.match(signature):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not SignatureVerifier(secret).is_valid(body=body, timestamp=timestamp, signature=signature):
        return False
    # Valid for five minutes (the verifier's window): remember it a little longer.
    key = "slack-signature:" + hashlib.sha256(signature.encode()).hexdigest()
    return bool(cache.add(key, 1, timeout=10 * 60))


def event_handle(payload: Mapping[str, Any]) -> dict[str, str] | None:
    """Act on a verified Events API request; the JSON to answer with, if any."""
    kind = payload.get("type")
    if kind == "url_verification":
        return {"challenge": str(payload.get("challenge") or "")[:500]}
    if kind != "event_callback":
        return None
    team_id = str(payload.get("team_id") or "")
    event = payload.get("event")
    if not TEAM_ID.match(team_id) or not isinstance(event, dict):
        return None
    with across_organizations("Slack's events name a Slack team, not an organization"):
        if event.get("type") == "app_uninstalled":
            workspaces_revoke_for_team(
                team_id=team_id, bot_user_ids=None, reason=REVOKED_UNINSTALLED
            )
        elif event.get("type") == "tokens_revoked":
            tokens = event.get("tokens")
            bots = tokens.get("bot") if isinstance(tokens, dict) else None
            if isinstance(bots, list) and bots:
                workspaces_revoke_for_team(
                    team_id=team_id,
                    bot_user_ids=[str(bot)[:32] for bot in bots[:100]],
                    reason=REVOKED_TOKEN,
                )
    return None
