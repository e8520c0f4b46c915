"""Caption suggestions in the share dialog, in a real browser against an OpenAI-compatible
server on loopback: the member asks, sees only suggestions the rules allow, and one tap
puts a suggestion in their text, which is then checked like anything they type."""

from __future__ import annotations

import pytest

from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_share_traps import open_network, world  # noqa: F401
from chorus.writing.models import WritingSettings
from chorus.writing.tests.fake_llm import fake_llm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_asks_for_suggestions_and_uses_one(page, world, settings):  # noqa: F811
    member, post = world
    settings.HTTP_ALLOW_LOOPBACK = True
    with fake_llm() as llm:
        WritingSettings.objects.create(
            organization=member.organization, enabled=True, base_url=llm.url, model="writer"
        )
        llm.reply(
            "Lyon has a new plant, and I met the team that built it.",
            "Guaranteed returns from Lyon!",
        )
        sign_in(page, "maya@acme.test")
        caption = open_network(page, post, "x")
        page.get_by_role("button", name="Suggest captions").click()
        use = page.get_by_role("button", name="Use this text")
        use.first.wait_for()
        assert use.count() == 1  # the blocked one is not offered
        assert "One more did not" in page.locator("#suggestions-x").inner_text()
        use.first.click()
        text = caption.input_value()
        assert text.startswith("Lyon has a new plant, and I met the team that built it. http")
        assert "/l/" in text  # the member's tracked link is kept
        page.locator("#verdict-x").get_by_text("Passes the rules").wait_for()
        # What went out: the post, the draft, never the member's address.
        sent = str(llm.requests[0]["json"]["messages"])
        assert "We opened a plant in Lyon" in sent and "maya@acme.test" not in sent
