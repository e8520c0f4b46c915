"""A member shares a post from their feed through X's share link, on a phone-sized screen."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.sharing.models import Share, ShareStatus
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_shares_a_post_on_x_from_the_feed_and_finds_it_in_history(page):
    acme = OrganizationFactory(name="Acme", slug="acme")
    member = MembershipFactory(
        organization=acme, user__email="maya@acme.test", program_status=ProgramStatus.JOINED
    )
    post = PostFactory(
        organization=acme,
        state=PostState.LIVE,
        title="We opened a plant in Lyon",
        link_url="https://acme.example/news/lyon",
    )
    Caption.objects.create(post=post, network="x", text="Big news from Lyon!")
    # The share page of X itself is not part of the test: answer it locally.
    page.context.route("https://x.com/**", lambda route: route.fulfill(status=200, body="X"))

    sign_in(page, "maya@acme.test")
    page.goto("/feed/")
    page.get_by_text("We opened a plant in Lyon").wait_for()
    page.get_by_role("link", name="Share", exact=True).click()
    page.locator("#share-x summary").click()
    caption = page.locator("#text-x")
    caption.wait_for()
    assert caption.input_value().startswith("Big news from Lyon!")
    counter = page.locator("#verdict-x .share-length")
    before = int(counter.inner_text())

    caption.fill("Proud of my colleagues in Lyon! " + caption.input_value())
    page.wait_for_function(
        "before => Number(document.querySelector('#verdict-x .share-length').textContent)"
        " !== before",
        arg=before,
    )
    assert int(counter.inner_text()) == before + len("Proud of my colleagues in Lyon! ")
    sent = caption.input_value()

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Open X").click()
    popup = popup_info.value
    popup.wait_for_url(re.compile(r"^https://x\.com/intent/tweet\?"))
    assert popup.url.startswith("https://x.com/intent/tweet?")
    assert parse_qs(urlsplit(popup.url).query)["text"] == [sent]
    popup.close()

    page.get_by_role("button", name="Done, I posted it").click()
    page.get_by_text("Thank you!").wait_for()
    share = Share.objects.get(membership=member)
    assert share.status == ShareStatus.SHARED and share.text == sent

    page.goto("/shares/")
    page.get_by_text("Proud of my colleagues in Lyon!").wait_for()
    assert re.search(r"\bShared\b", page.locator(".share-history").inner_text())
