"""The channel's email in Chromium, with images off (as many mail clients start): it fits a
390-pixel phone, its buttons are links with words that stay on the screen, the logo's place
says the organization's name, and axe-core finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chorus.notifications.email.render import email_render
from chorus.notifications.messages import Action, Category, Item, Message

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def digest() -> Message:
    return Message(
        category=Category.DIGEST,
        subject="Your week at Acme: three posts to share with your network",
        intro="Colleagues picked these for you. Share the ones you like, in your own words.",
        items=tuple(
            Item(
                title=f"We opened a plant in Leipzig, post {n}, with a rather long title",
                text="Why it matters: 400 jobs, solar power, and a school partnership.",
                url=f"https://chorus.example/posts/{n}",
                image_url=f"https://chorus.example/posts/{n}/image",
                actions=(
                    Action("Share on LinkedIn", f"https://chorus.example/share/{n}/linkedin"),
                    Action("Share on Mastodon", f"https://chorus.example/share/{n}/mastodon"),
                ),
            )
            for n in range(3)
        ),
        actions=(Action("Open my feed", "https://chorus.example/feed"),),
        unsubscribe_url="https://chorus.example/unsubscribe/token",
        preferences_url="https://chorus.example/settings/notifications",
        organization_name="Acme Industries",
        logo_url="https://chorus.example/organization/logo/abc.png",
        accent_color="#0f766e",
    )


@pytest.fixture(params=[390, 1280], ids=["phone", "desktop"])
def email_page(browser: Any, request: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": request.param, "height": 844})
    # Images off: nothing is fetched, the alt texts stand in.
    context.route("**/*", lambda route: route.abort())
    page = context.new_page()
    page.set_content(email_render(digest()).html)
    yield page
    context.close()


def test_the_email_fits_the_screen_with_its_buttons_in_reach(email_page: Any) -> None:
    width = email_page.viewport_size["width"]
    assert email_page.evaluate("document.documentElement.scrollWidth") <= width
    for name in ("Open my feed", "Share on LinkedIn", "Share on Mastodon"):
        links = email_page.get_by_role("link", name=name)
        assert links.count() >= 1
        for index in range(links.count()):
            box = links.nth(index).bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            assert box["height"] >= 24  # a target a thumb can hit
    assert email_page.get_by_role("link", name="Unsubscribe from these emails").count() == 1


def test_with_images_off_the_email_still_says_who_and_what(email_page: Any) -> None:
    assert email_page.get_by_role("img", name="Acme Industries").count() == 1
    assert email_page.get_by_role("heading", level=1).inner_text().startswith("Your week")
    assert email_page.get_by_role("heading", level=2).count() == 3


def test_axe_finds_nothing_serious_in_the_email(email_page: Any) -> None:
    email_page.evaluate(AXE.read_text())
    found = email_page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    serious = [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]
    assert serious == []
