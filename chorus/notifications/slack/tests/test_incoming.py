"""What Slack sends: every request is checked with the signing secret (Slack's scheme: v0,
HMAC-SHA256 of "v0:<timestamp>:<body>", five minutes); an unverified one is a 401 that
changes nothing. Events stop a workspace that was uninstalled or whose token was revoked."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from chorus.factories import OrganizationFactory
from chorus.notifications.slack.models import SlackWorkspace
from chorus.notifications.slack.tests.slack_server import BOT_USER_ID, SIGNING_SECRET, TEAM_ID

pytestmark = pytest.mark.django_db


def sign(body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Headers as Slack sends them, computed by hand from Slack's documented scheme."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def post_event(client: Any, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    body = json.dumps(payload).encode()
    return client.post(
        "/slack/events",
        data=body,
        content_type="application/json",
        headers=sign(body) if headers is None else headers,
    )


def uninstalled(team_id: str = TEAM_ID) -> dict[str, Any]:
    return {
        "token": "XXYYZZ",
        "team_id": team_id,
        "api_app_id": "A0KRD7HC3",
        "event": {"type": "app_uninstalled"},
        "type": "event_callback",
        "event_id": "Ev0001",
        "event_time": 1234567890,
    }


@pytest.fixture
def csrf_client() -> Client:
    """Slack has no CSRF token: these two addresses must work without one."""
    return Client(enforce_csrf_checks=True)


def test_slack_checks_the_events_address_with_a_challenge(csrf_client, slack):
    payload = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    response = post_event(csrf_client, payload)
    assert response.status_code == 200
    assert response.json() == {"challenge": payload["challenge"]}


def test_an_uninstall_stops_the_workspace(csrf_client, workspace, slack):
    response = post_event(csrf_client, uninstalled())
    assert response.status_code == 200
    workspace.refresh_from_db()
    assert workspace.revoked_at is not None and workspace.bot_token == ""
    assert workspace.revoked_reason == "uninstalled"


def test_an_uninstall_of_another_team_changes_nothing(csrf_client, workspace, slack):
    post_event(csrf_client, uninstalled("T0OTHER"))
    workspace.refresh_from_db()
    assert workspace.is_connected


def test_revoked_tokens_stop_the_workspace_whose_bot_they_were(csrf_client, workspace, slack):
    other = OrganizationFactory(name="Globex", slug="globex")
    # Another organization in the same Slack team, with another app's bot: left alone.
    theirs = SlackWorkspace.objects.create(
        organization=other, team_id=TEAM_ID, bot_user_id="U0OTHERBOT", bot_token="xoxb-2"
    )
    payload = {
        "team_id": TEAM_ID,
        "event": {"type": "tokens_revoked", "tokens": {"oauth": ["U1234"], "bot": [BOT_USER_ID]}},
        "type": "event_callback",
    }
    assert post_event(csrf_client, payload).status_code == 200
    workspace.refresh_from_db()
    theirs.refresh_from_db()
    assert workspace.revoked_reason == "token_revoked" and not workspace.is_connected
    assert theirs.is_connected


@pytest.mark.parametrize(
    "forge",
    [
        "no headers",
        "wrong secret",
        "stale timestamp",
        "future timestamp",
        "another timestamp",
        "tampered body",
        "junk timestamp",
        "junk signature",
    ],
)
def test_an_unverified_request_is_refused_and_changes_nothing(csrf_client, workspace, slack, forge):
    body = json.dumps(uninstalled()).encode()
    now = int(time.time())
    headers = sign(body, now)
    if forge == "no headers":
        headers = {}
    elif forge == "wrong secret":
        headers = sign(body, now, secret="not-the-secret")
    elif forge == "stale timestamp":
        headers = sign(body, now - 6 * 60)
    elif forge == "future timestamp":
        headers = sign(body, now + 6 * 60)
    elif forge == "another timestamp":
        # A captured request played again later with a fresh timestamp: the signature
        # covers the timestamp, so it no longer matches.
        headers = {**headers, "X-Slack-Request-Timestamp": str(now + 60)}
    elif forge == "tampered body":
        body = json.dumps(uninstalled()).replace("app_uninstalled", "app_uninstalled ").encode()
    elif forge == "junk timestamp":
        headers = {
            **headers,
            "X-Slack-Request-Timestamp": "\uff11\uff12\uff13",
        }  # full-width digits
    elif forge == "junk signature":
        headers = {**headers, "X-Slack-Signature": "v0=" + "z" * 64}
    response = csrf_client.post(
        "/slack/events", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    workspace.refresh_from_db()
    assert workspace.is_connected


def test_the_same_signed_request_is_accepted_once(csrf_client, workspace, slack):
    body = json.dumps({"type": "url_verification", "challenge": "abc"}).encode()
    headers = sign(body)
    first = csrf_client.post(
        "/slack/events", data=body, content_type="application/json", headers=headers
    )
    replay = csrf_client.post(
        "/slack/events", data=body, content_type="application/json", headers=headers
    )
    assert (first.status_code, replay.status_code) == (200, 401)


def test_without_a_signing_secret_nothing_is_accepted(csrf_client, workspace, slack, settings):
    settings.SLACK_SIGNING_SECRET = ""
    assert post_event(csrf_client, uninstalled()).status_code == 401
    workspace.refresh_from_db()
    assert workspace.is_connected


def test_signed_junk_is_a_400_not_a_500(csrf_client, slack):
    for body in (b"{", b"[]", b"\xff\xfe", b""):
        response = csrf_client.post(
            "/slack/events", data=body, content_type="application/json", headers=sign(body)
        )
        assert response.status_code in (400, 401)


def test_only_post_reaches_the_events_address(csrf_client, slack):
    assert csrf_client.get("/slack/events").status_code == 405


def block_actions() -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U0ANA", "team_id": TEAM_ID},
        "api_app_id": "A0KRD7HC3",
        "actions": [
            {
                "type": "button",
                "action_id": "item-0-0",
                "block_id": "x",
                "text": {"type": "plain_text", "text": "Share"},
                "action_ts": "1700000000.1",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_url_button_click_is_acknowledged_with_nothing(csrf_client, slack):
    body = block_actions()
    response = csrf_client.post(
        "/slack/interactivity",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=sign(body),
    )
    assert response.status_code == 200
    assert response.content == b""


def test_an_unsigned_click_is_refused(csrf_client, slack):
    body = block_actions()
    response = csrf_client.post(
        "/slack/interactivity",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=sign(body, int(time.time()) - 3600),
    )
    assert response.status_code == 401
