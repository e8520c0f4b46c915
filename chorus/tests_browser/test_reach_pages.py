"""Reaching members, in a browser on a phone and a desktop: a member's notification
settings, the admins' channels, delivery log and nudges, a curator's announcement that a
member finds in the app, and an unsubscribe link opened signed out. Every page answers 200,
fits the screen and passes axe."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.content.models import Post, PostState
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, PostFactory
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import Delivery, DeliveryStatus, Notification
from chorus.notifications.services.preferences import unsubscribe_url
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280


def _joined(organization: Organization, email: str, **fields: Any) -> Membership:
    membership: Membership = MembershipFactory.create(
        organization=organization,
        user__email=email,
        program_status=ProgramStatus.JOINED,
        **fields,
    )
    return membership


@pytest.fixture
def acme() -> dict[str, Any]:
    organization: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    admin = _joined(organization, "ada@acme.test", is_admin=True)
    curator = _joined(organization, "cleo@acme.test", is_curator=True)
    member = _joined(organization, "emma@acme.test")
    group = GroupFactory.create(organization=organization, name="Customer Success")
    group.members.add(member)
    post: Post = PostFactory.create(
        organization=organization,
        state=PostState.LIVE,
        title="Our new office opens in Lisbon, with room for the whole customer success team",
    )
    # A delivery log with a long failure (it wraps on a phone) and a stopped address.
    Delivery.objects.create(
        organization=organization,
        membership=member,
        channel=Channel.EMAIL,
        category=Category.DIGEST,
        key="digest:weekly:2026-12-07",
        subject="3 new posts to share this week",
        status=DeliveryStatus.FAILED,
        attempts=3,
        error=(
            "SMTP 550 5.1.1 <emma.with.a.rather.long.address@subsidiary.acme.example>: "
            "Recipient address rejected: user unknown in virtual mailbox table"
        ),
        sent_at=timezone.now(),
    )
    return {
        "organization": organization,
        "admin": admin,
        "curator": curator,
        "member": member,
        "group": group,
        "post": post,
    }


def _problems(page: Any, path: str, width: int) -> list[str]:
    from chorus.tests_browser.test_phone_layouts import AXE, serious_axe_violations

    found = []
    wide = int(page.evaluate("document.documentElement.scrollWidth"))
    if wide > width:
        found.append(f"{path}: {wide} px wide")
    if AXE.exists():
        found += [f"{path}: {finding}" for finding in serious_axe_violations(page)]
    return found


def _visit(page: Any, path: str, width: int) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    return _problems(page, path, width)


def _switch_to(page: Any, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, email)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_reach_pages_work_on_a_phone_and_a_desktop(
    page: Any, acme: dict[str, Any], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    member, post = acme["member"], acme["post"]
    problems: list[str] = []

    # A member chooses email for their shares' news, and finds it saved.
    sign_in(page, "emma@acme.test")
    problems += _visit(page, "/me/notifications/", width)
    shares = page.get_by_role("group", name=str(Category.SHARES.label))
    shares.get_by_label(str(Channel.EMAIL.label), exact=True).check()
    page.get_by_role("button", name="Save notification settings").click()
    page.get_by_text("Your notification settings were saved.").wait_for()
    shares = page.get_by_role("group", name=str(Category.SHARES.label))
    assert shares.get_by_label(str(Channel.EMAIL.label), exact=True).is_checked()
    problems += _problems(page, "/me/notifications/ (saved)", width)

    # A curator announces the post to the member's group, in the app.
    _switch_to(page, "cleo@acme.test")
    page.goto(f"/manage/posts/{post.pk}/")
    page.get_by_role("link", name="Announce", exact=True).click()
    page.wait_for_url(f"**/manage/announce/{post.pk}/")
    problems += _visit(page, f"/manage/announce/{post.pk}/", width)
    page.get_by_role("group", name="Groups").get_by_label("Customer Success").check()
    channels = page.get_by_role("group", name="Channels")
    for choice in channels.get_by_role("checkbox").all():
        choice.uncheck()
    channels.get_by_label("In the app").check()
    page.get_by_role("button", name="Count the members").click()
    page.get_by_text("It will be for 1 member in the program").wait_for()
    page.get_by_role("button", name="Announce", exact=True).click()
    page.get_by_text("The announcement is on its way to 1 member.").wait_for()
    problems += _problems(page, "/manage/announce/ (announced)", width)
    assert Notification.objects.filter(membership=member).count() == 1

    _switch_to(page, "emma@acme.test")
    problems += _visit(page, "/notifications/", width)
    page.get_by_text(post.title).first.wait_for()

    # The admins' pages.
    _switch_to(page, "ada@acme.test")
    for path in ("/manage/channels/", "/manage/deliveries/", "/manage/nudges/"):
        problems += _visit(page, path, width)
    page.goto("/manage/deliveries/?channel=email&status=failed")
    page.get_by_text("Recipient address rejected").wait_for()
    # Long addresses and errors wrap inside their card instead of scrolling the table.
    scrolling = page.evaluate(
        "[...document.querySelectorAll('main .table-wrap')]"
        ".filter(box => box.scrollWidth > box.clientWidth).length"
    )
    assert scrolling == 0
    problems += _problems(page, "/manage/deliveries/ (filtered)", width)

    # An unsubscribe link from an email, opened signed out.
    page.context.clear_cookies()
    link = unsubscribe_url(membership=member, category=Category.DIGEST, channel=Channel.EMAIL)
    path = link.removeprefix(link.split("/n/")[0])
    problems += _visit(page, path, width)
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_text("Done: no more").wait_for()
    problems += _problems(page, "unsubscribe (done)", width)

    assert problems == []


def _visit_status(page: Any, path: str, width: int, status: int) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status == status, path
    return _problems(page, path, width)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_links_that_no_longer_work_say_so_on_a_phone_and_a_desktop(
    browser: Any, live_server: Any, acme: dict[str, Any], width: int
) -> None:
    import datetime

    import time_machine
    from django.core.cache import cache

    from chorus.reach.links import share_link

    member, post = acme["member"], acme["post"]
    with time_machine.travel(timezone.now() - datetime.timedelta(days=15)):
        expired = share_link(member, post)
    expired_path = expired.removeprefix(expired.split("/r/")[0])
    # Its own page: the browser logs each 404 or 410 document as a console error, and
    # these pages are meant to answer so (script errors and CSP violations still count).
    cache.clear()
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error"
            and not message.text.startswith("Failed to load resource: the server responded")
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []
    try:
        sign_in(page, "emma@acme.test")
        problems += _visit_status(page, expired_path, width, 410)
        page.get_by_role("heading", name="This link has expired").wait_for()
        problems += _visit_status(page, "/r/share/not-a-signed-link/", width, 404)
        page.get_by_role("heading", name="This link does not work").wait_for()

        page.context.clear_cookies()
        problems += _visit_status(page, "/n/unsubscribe/not-a-signed-link/", width, 404)
        page.get_by_role("heading", name="This link does not work").wait_for()
    finally:
        context.close()

    assert problems == []
    assert errors == []
