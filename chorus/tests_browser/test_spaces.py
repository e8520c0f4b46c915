"""Best-practice spaces on a phone (390 px): a member opens a space and starts a thread,
another replies with a mention, the first reports the reply and a curator hides it from the
moderation queue. Every page fits the screen and passes axe, on a phone and a desktop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.community.models import Message, Report
from chorus.community.services import moderation
from chorus.community.services.spaces import (
    space_create,
    space_invite,
    space_join,
    space_session_link,
)
from chorus.community.services.threads import reply_create, thread_create
from chorus.content.models import Post
from chorus.factories import (
    ComplianceRuleFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
)
from chorus.links.services.links import link_mint
from chorus.notifications.models import Notification
from chorus.sharing.models import Share, ShareMetrics, ShareStatus
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import DESKTOP, PHONE, _problems, _visit
from chorus.training.models import TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A message a compliance rule warns about is answered 400 (the form, its findings and "post
# anyway"), which the browser reports on the console; anything else there fails the test.
FORM_REFUSED = "the server responded with a status of 400"


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    from django.core.cache import cache

    cache.clear()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    errors: list[str] = []
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and FORM_REFUSED not in message.text
            else None
        ),
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def test_a_space_from_first_thread_to_a_hidden_reply(page: Any) -> None:
    acme = OrganizationFactory(name="Acme", slug="acme")
    curator: Membership = MembershipFactory.create(
        organization=acme, is_curator=True, user__email="cleo@acme.test", user__name="Cleo"
    )
    MembershipFactory(organization=acme, user__email="maya@acme.test", user__name="Maya Lin")
    noah: Membership = MembershipFactory.create(
        organization=acme, user__email="noah@acme.test", user__name="Noah Berg"
    )
    space = space_create(membership=curator, name="LinkedIn tips", description="What works")
    problems: list[str] = []

    sign_in(page, "maya@acme.test")
    page.goto("/spaces/")
    problems += _problems(page, "/spaces/", PHONE)
    page.get_by_role("link", name="LinkedIn tips").click()
    page.get_by_role("button", name="Join").click()
    problems += _problems(page, f"/spaces/{space.pk}/", PHONE)
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("Pictures or no pictures?")
    page.get_by_label("Message").fill("Does a **team photo** beat the link preview?")
    problems += _problems(page, "thread form", PHONE)
    page.get_by_role("button", name="Start the thread").click()
    page.wait_for_url(re.compile(r"/threads/\d+/$"))
    thread_url = page.url
    problems += _problems(page, "thread", PHONE)
    page.context.clear_cookies()

    sign_in(page, "noah@acme.test")
    page.goto(thread_url)
    page.get_by_label("Your reply").fill("Photos win, @maya. Also: buy my old bike!")
    page.get_by_role("button", name="Reply").click()
    page.wait_for_url(re.compile(r"#message-\d+$"))
    assert Notification.objects.filter(
        kind="community_mention", membership__user__email="maya@acme.test"
    ).exists()
    reply = Message.objects.get(author=noah)
    page.context.clear_cookies()

    sign_in(page, "maya@acme.test")
    page.goto(f"{thread_url}messages/{reply.pk}/report/")
    problems += _problems(page, "report form", PHONE)
    page.get_by_label("Spam or advertising").check()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(re.compile(r"#message-\d+$"))
    assert Report.objects.filter(message=reply).exists()
    page.context.clear_cookies()

    sign_in(page, "cleo@acme.test")
    page.goto("/manage/moderation/")
    problems += _problems(page, "/manage/moderation/", PHONE)
    page.get_by_label("Reason for hiding").fill("A sale, off topic")
    page.get_by_role("button", name="Hide", exact=True).click()
    page.wait_for_url(re.compile(r"/manage/moderation/$"))
    assert page.get_by_text("All caught up: nothing reported.").is_visible()
    page.context.clear_cookies()

    sign_in(page, "maya@acme.test")
    page.goto(thread_url)
    assert page.get_by_text("Hidden by a moderator.").is_visible()
    assert page.get_by_text("buy my old bike").count() == 0
    assert problems == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_space_page_fits_and_passes_axe(page: Any, width: int) -> None:
    """Each community page with its fullest content (a pinned best practice, a win with its
    figures, a locked thread, a hidden reply with its reason, a linked session, a waiting
    invitation, a report in the queue, a compliance warning) at 390 px and 1280 px."""
    page.set_viewport_size({"width": width, "height": 900})
    acme: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    curator: Membership = MembershipFactory.create(
        organization=acme, is_curator=True, user__email="cleo@acme.test", user__name="Cleo"
    )
    maya: Membership = MembershipFactory.create(
        organization=acme, user__email="maya@acme.test", user__name="Maya Lin"
    )
    noah: Membership = MembershipFactory.create(
        organization=acme, user__email="noah@acme.test", user__name="Noah Berg"
    )
    ComplianceRuleFactory(organization=acme, value="cheap", action="warn")
    space = space_create(
        membership=curator,
        name="LinkedIn tips for the customer success team in Lisbon and Porto",
        description="What works, what does not, and why we think so",
    )
    cohort = space_create(membership=curator, name="Pilot cohort", visibility="invite_only")
    space_invite(membership=curator, space=cohort, invitee=maya)
    space_join(membership=maya, space=space)
    space_session_link(
        membership=curator,
        space=space,
        session=TrainingSession.objects.create(
            organization=acme,
            title="Office hours: writing in your own words",
            starts_at=timezone.now() + timedelta(days=2),
            uid="office-hours",
        ),
    )
    best = thread_create(
        membership=curator, space=space, title="Start with a question", body="**Why** it works"
    )
    moderation.thread_pin(membership=curator, thread=best, pinned=True)
    post: Post = PostFactory.create(
        organization=acme,
        state="live",
        title="Our new plant opens in Porto",
        link_url="https://example.com/plant",
    )
    link = link_mint(post=post, membership=maya, network="mastodon")
    share: Share = ShareFactory.create(
        membership=maya, post=post, status=ShareStatus.SHARED, link=link, text="Proud of this"
    )
    ShareMetrics.objects.create(share=share, reactions=17, reposts=3, replies=2)
    win = thread_create(
        membership=maya, space=space, title="My best week", body="A photo at 8", share=share
    )
    locked = thread_create(membership=maya, space=space, title="Old question", body="Done")
    moderation.thread_lock(membership=curator, thread=locked, locked=True)
    hidden = reply_create(membership=noah, thread=best, body="Buy my old bike")
    moderation.message_hide(membership=curator, message=hidden, reason="A sale, off topic")
    reported = reply_create(membership=noah, thread=best, body="Pictures beat links")
    moderation.report_create(membership=maya, message=reported, reason="misleading", note="?")
    mine = reply_create(membership=maya, thread=best, body="Questions work for me")
    thread_url = f"/spaces/{space.pk}/threads/{best.pk}/"
    problems: list[str] = []

    sign_in(page, "maya@acme.test")
    for path in (
        "/spaces/",
        f"/spaces/{space.pk}/",
        thread_url,
        f"/spaces/{space.pk}/threads/{win.pk}/",
        f"/spaces/{space.pk}/threads/{locked.pk}/",
        f"/spaces/{space.pk}/wins/new/",
        f"{thread_url}messages/{mine.pk}/edit/",
        f"{thread_url}messages/{reported.pk}/report/",
    ):
        problems += _visit(page, path, width)
    assert page.get_by_text("Pictures beat links").count() == 1
    page.goto(f"/spaces/{space.pk}/threads/new/")
    page.get_by_label("Title").fill("Deals")
    page.get_by_label("Message").fill("Cheap flights for the conference")
    page.get_by_role("button", name="Start the thread").click()
    page.get_by_role("button", name="Post anyway").wait_for()
    problems += _problems(page, "thread form with a warning", width)
    page.context.clear_cookies()

    sign_in(page, "cleo@acme.test")
    for path in (
        "/spaces/new/",
        f"/spaces/{space.pk}/settings/",
        thread_url,
        f"{thread_url}messages/{reported.pk}/moderate/",
        "/manage/moderation/",
    ):
        problems += _visit(page, path, width)
    page.goto(thread_url)
    assert page.get_by_text("A sale, off topic").count() == 1
    assert problems == []
