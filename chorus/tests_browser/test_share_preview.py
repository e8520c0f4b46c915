"""The share dialog's live preview and the post's page in a real browser: the preview
follows the text as the member types (line breaks kept, nothing read as markup), the
"own words" notice appears for a copied text and goes away for one's own, and the post's
page has no sideways scrolling and no serious accessibility barrier on a phone and a
desktop."""

from __future__ import annotations

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.sharing.models import Share
from chorus.sharing.services.intents import share_intent_open
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_shell import AXE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = "https://acme.example/news/lyon"
CAPTION = "Our new plant in Lyon is open."


@pytest.fixture
def world():
    acme = OrganizationFactory(name="Acme", slug="acme")
    member = MembershipFactory(
        organization=acme,
        user__email="maya@acme.test",
        user__name="Maya Schmidt",
        program_status=ProgramStatus.JOINED,
    )
    post = PostFactory(
        organization=acme,
        state=PostState.LIVE,
        title="We opened a plant in Lyon",
        link_url=LINK,
        preview_title="Lyon plant opens",
        preview_site_name="Acme News",
    )
    Caption.objects.create(post=post, network="linkedin", text=CAPTION)
    for _ in range(2):
        colleague = MembershipFactory(organization=acme, program_status=ProgramStatus.JOINED)
        share_intent_open(post=post, membership=colleague, network="linkedin", text=CAPTION)
    return member, post


def test_the_preview_follows_the_text_and_the_notice_follows_the_words(page, world):
    member, post = world
    sign_in(page, "maya@acme.test")
    page.goto(f"/feed/{post.pk}/share/")
    page.locator("#share-linkedin summary").click()
    field = page.locator("#text-linkedin")
    field.wait_for()
    preview = page.locator("#share-linkedin .share-preview")
    assert "the network decides the final look" in preview.inner_text()
    assert "Maya Schmidt" in preview.inner_text()
    assert "Lyon plant opens" in preview.inner_text()
    notice = page.locator("#verdict-linkedin .share-same-text")
    assert notice.inner_text().startswith("2 colleagues posted exactly this text on LinkedIn.")

    tracked = field.input_value().split()[-1]
    field.fill(f"Proud of the <b>team</b>.\nSecond line. {tracked}")
    text = preview.locator("[data-preview-text]")
    assert text.inner_text() == f"Proud of the <b>team</b>.\nSecond line. {tracked}"
    assert text.locator("b").count() == 0
    notice.wait_for(state="detached")
    assert page.locator("#open-linkedin button").is_enabled()
    assert not Share.objects.filter(membership=member).exists()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("width", [390, 1366])
def test_the_posts_page_fits_and_has_no_barriers(page, world, width):
    _member, post = world
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, "maya@acme.test")
    page.goto("/feed/")
    page.locator(f"#post-{post.pk} .feed-title a").click()
    page.wait_for_url(f"**/feed/{post.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == post.title
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    page.goto(f"/feed/{post.pk}/share/")
    page.locator("#share-linkedin summary").click()
    page.locator("#share-linkedin .share-preview").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
