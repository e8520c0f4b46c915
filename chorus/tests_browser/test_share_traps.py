"""The share dialog's traps, in a real browser on a phone-sized screen: a text that cannot
be shared disables the network's button, a deleted tracked link is put back in one tap,
and Mastodon (no caption of its own) starts from the post's general caption."""

from __future__ import annotations

import re

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import (
    ComplianceRuleFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
)
from chorus.links.models import Link
from chorus.links.services.links import short_url
from chorus.sharing.models import Share
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = "https://acme.example/news/lyon"


@pytest.fixture
def world():
    acme = OrganizationFactory(name="Acme", slug="acme")
    member = MembershipFactory(
        organization=acme, user__email="maya@acme.test", program_status=ProgramStatus.JOINED
    )
    post = PostFactory(
        organization=acme, state=PostState.LIVE, title="We opened a plant in Lyon", link_url=LINK
    )
    Caption.objects.create(post=post, network="x", text=f"Big news from Lyon! {LINK}")
    Caption.objects.create(post=post, network="linkedin", text="Our new plant in Lyon is open.")
    ComplianceRuleFactory(organization=acme, value="guaranteed returns")
    return member, post


def open_network(page, post, network: str):
    page.goto(f"/feed/{post.pk}/share/")
    page.locator(f"#share-{network} summary").click()
    caption = page.locator(f"#text-{network}")
    caption.wait_for()
    return caption


def test_a_refused_text_disables_the_button_until_it_is_fixed(page, world):
    member, post = world
    sign_in(page, "maya@acme.test")
    caption = open_network(page, post, "x")
    button = page.locator("#open-x button")
    suggestion = caption.input_value()
    assert button.is_enabled()

    caption.fill("Guaranteed returns! " + suggestion)
    page.locator("#open-x button[disabled]").wait_for()
    assert page.locator("#open-reason-x").inner_text() == "Change what blocks it above to open X."
    assert button.get_attribute("aria-describedby") == "open-reason-x"
    assert button.is_disabled()

    caption.fill(suggestion)
    page.locator("#open-x button:not([disabled])").wait_for()
    assert page.locator("#open-reason-x").count() == 0
    assert not Share.objects.filter(membership=member).exists()


def test_a_deleted_tracked_link_is_pointed_out_and_put_back(page, world):
    member, post = world
    sign_in(page, "maya@acme.test")
    caption = open_network(page, post, "x")
    tracked = short_url(Link.objects.get(post=post, membership=member, network="x"))
    assert caption.input_value() == f"Big news from Lyon! {tracked}"

    caption.fill("Big news from Lyon!")
    warning = page.locator("#verdict-x .share-link-missing")
    warning.wait_for()
    assert "Your tracked link is missing" in warning.inner_text()
    assert page.locator("#verdict-x .share-ok").count() == 0

    page.get_by_role("button", name="Put the link back").click()
    page.locator("#verdict-x .share-ok").wait_for()
    assert caption.input_value() == f"Big news from Lyon!\n\n{tracked}"
    assert page.locator("#verdict-x .share-link-missing").count() == 0

    # Pasting the post's own link instead: putting ours back replaces it.
    caption.fill(f"Big news from Lyon! {LINK} #proud")
    warning.wait_for()
    page.get_by_role("button", name="Put the link back").click()
    page.locator("#verdict-x .share-ok").wait_for()
    assert caption.input_value() == f"Big news from Lyon! {tracked} #proud"


def test_mastodon_starts_from_the_general_caption(page, world):
    _member, post = world
    sign_in(page, "maya@acme.test")
    caption = open_network(page, post, "mastodon")

    assert re.fullmatch(r"Our new plant in Lyon is open\.\n\nhttp\S+/l/\w+", caption.input_value())
