"""A member has Chorus post a post from their feed on their connected Mastodon account.

The Mastodon server is faked at the transport with respx, from the documented shapes of
POST /api/v1/statuses (docs.joinmastodon.org/methods/statuses/#create: form or JSON
`status`, an `Idempotency-Key` header, a Status entity in answer). respx patches httpx in
this process, so it answers the live server's thread too; the publish task runs there,
on commit, through the immediate task backend the suite uses.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, CaptionMode, PostState
from chorus.factories import (
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    PostFactory,
)
from chorus.links.services.links import short_url
from chorus.sharing.models import AttemptOutcome, NetworkSettings, Share, ShareMethod, ShareStatus
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTANCE = "https://mastodon.example"
STATUS_ID = "113052871466718839"
STATUS_URL = f"{INSTANCE}/@maya/{STATUS_ID}"


def status_entity(text: str) -> dict[str, Any]:
    """The Status entity Mastodon answers a new status with (the fields Chorus reads and a
    few around them, as documented)."""
    return {
        "id": STATUS_ID,
        "created_at": "2026-03-02T09:00:00.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"{INSTANCE}/users/maya/statuses/{STATUS_ID}",
        "url": STATUS_URL,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": f"<p>{text}</p>",
        "account": {"id": "1001", "username": "maya", "acct": "maya"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


@pytest.fixture
def mastodon() -> Iterator[respx.MockRouter]:
    # Everything else (the live server on loopback) goes through untouched.
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.route(host="localhost").pass_through()
        yield router


def test_member_posts_a_feed_post_on_their_connected_mastodon_and_finds_the_link_in_history(
    page: Any, mastodon: respx.MockRouter
) -> None:
    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    NetworkSettings.objects.create(organization=acme, network="mastodon", publishing_enabled=True)
    member: Any = MembershipFactory(
        organization=acme, user__email="maya@acme.test", program_status=ProgramStatus.JOINED
    )
    NetworkConnectionFactory(
        membership=member,
        network="mastodon",
        instance=INSTANCE,
        account_id="1001",
        handle="@maya@mastodon.example",
        access_token="maya-secret-token",
    )
    post: Any = PostFactory(
        organization=acme,
        state=PostState.LIVE,
        caption_mode=CaptionMode.EDITABLE,
        title="We opened a plant in Lyon",
        link_url="https://acme.example/news/lyon",
    )
    Caption.objects.create(post=post, network="mastodon", text="Big news from Lyon!")
    statuses = mastodon.post(f"{INSTANCE}/api/v1/statuses")
    statuses.side_effect = lambda request: httpx.Response(
        200, json=status_entity(json.loads(request.content)["status"])
    )

    sign_in(page, "maya@acme.test")
    page.goto("/feed/")
    page.get_by_text("We opened a plant in Lyon").wait_for()
    page.get_by_role("link", name="Share", exact=True).click()
    page.locator("#share-mastodon summary").click()
    caption = page.locator("#text-mastodon")
    caption.wait_for()
    assert caption.input_value().startswith("Big news from Lyon!")
    # The connected account is offered (the organization lets Chorus publish there).
    page.get_by_text("@maya@mastodon.example").wait_for()

    caption.fill("Proud of my colleagues in Lyon! " + caption.input_value())
    sent = caption.input_value()
    page.get_by_role("button", name="Post now").click()
    page.wait_for_url(re.compile(r".*/shares/$"))

    share = Share.objects.get(membership=member)
    assert share.link is not None
    link = short_url(share.link)
    # Exactly one status, with the share's key and the member's own words and link.
    assert statuses.call_count == 1
    request = statuses.calls.last.request
    assert request.headers["Authorization"] == "Bearer maya-secret-token"
    assert request.headers["Idempotency-Key"] == str(share.idempotency_key)
    uuid.UUID(request.headers["Idempotency-Key"])
    body = json.loads(request.content)
    assert body["status"] == sent
    assert link in body["status"] and body["status"].startswith("Proud of my colleagues")
    assert share.method == ShareMethod.API and share.status == ShareStatus.SHARED
    assert share.text == sent and share.remote_id == STATUS_ID and share.remote_url == STATUS_URL
    assert [attempt.outcome for attempt in share.publish_attempts.all()] == [
        AttemptOutcome.PUBLISHED
    ]

    history = page.locator(".share-history")
    history.get_by_text("Proud of my colleagues in Lyon!").wait_for()
    assert re.search(r"\bShared\b", history.inner_text())
    assert history.get_by_role("link", name="View the post").get_attribute("href") == STATUS_URL
