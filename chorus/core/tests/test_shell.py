"""The app shell: a sidebar grouped by what each role does, a tab bar on phones, the unread
count and the organization on every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.factories import MembershipFactory, NotificationFactory, OrganizationFactory


def sidebar(html: str) -> str:
    return html.split('<nav class="sidebar"', 1)[1].split("</nav>", 1)[0]


def tabbar(html: str) -> str:
    return html.split('<nav class="tabbar"', 1)[1].split('<details class="tab-more"', 1)[0]


def sections(html: str) -> dict[str, list[str]]:
    """Each sidebar section's title and link labels."""
    found: dict[str, list[str]] = {}
    for block in sidebar(html).split('<details class="nav-section"')[1:]:
        heading = re.search(r"<summary>([^<]+)", block)
        assert heading is not None
        title = heading.group(1).strip()
        found[title] = re.findall(r"<span>([^<]+)</span></a>", block)
    return found


@pytest.fixture
def advocate(organization):
    return MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__email="maya@acme.test",
        user__name="Maya",
    )


def test_an_employee_in_the_program_sees_sharing_and_their_own_progress(client, advocate):
    client.force_login(advocate.user)
    html = client.get(reverse("feed")).content.decode()
    assert sections(html) == {
        "Share": [
            "Feed",
            "Your shares",
            "Your topics",
            "Connected accounts",
            "Send to care",
            "Suggest content",
        ],
        "You": [
            "Your stats",
            "Learning",
            "Spaces",
            "Points",
            "Leaderboard",
            "Challenges",
            "Badges",
            "Rewards",
        ],
        # Answering customers is offered, never pushed: the section starts folded.
        "Customer care": ["Answer customers"],
    }
    assert re.findall(r"<span>([^<]+)</span>", tabbar(html)) == [
        "Feed",
        "Shares",
        "Points",
        "Alerts",
    ]
    # The page being shown is marked, for eyes and for screen readers.
    assert re.search(r'class="tab current" href="/feed/" aria-current="page"', html)


def test_an_admin_sees_administration_with_the_rest_folded(admin_client):
    html = admin_client.get(reverse("members")).content.decode()
    found = sections(html)
    assert list(found) == [
        "Share",
        "You",
        "Content",
        "Review",
        "Training",
        "Customer care",
        "Insights",
        "Administration",
    ]
    assert "Members" in found["Administration"] and "Audit log" in found["Administration"]
    assert "Join the program" in found["Share"]  # admins are not in the program by default
    folded = re.findall(r'<details class="nav-section">\s*<summary>([^<]+)', sidebar(html))
    assert [title.strip() for title in folded] == [
        "Content",
        "Review",
        "Training",
        "Customer care",
    ]
    visible = sum(
        len(items)
        for title, items in found.items()
        if title not in ("Content", "Review", "Training", "Customer care")
    )
    assert visible <= 20  # nobody faces a menu of 30 links


def test_a_curator_sees_content_and_insights_but_no_administration(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    found = sections(client.get(reverse("posts")).content.decode())
    assert "Administration" not in found and "Review" not in found
    assert found["Content"][:3] == ["Posts", "Calendar", "Feed queue"]
    assert found["Insights"] == ["Analytics"]


def test_points_pages_leave_the_menu_when_points_are_off(client, advocate):
    from chorus.gamification.models import GamificationSettings

    GamificationSettings.objects.update_or_create(
        organization=advocate.organization, defaults={"enabled": False}
    )
    client.force_login(advocate.user)
    html = client.get(reverse("home")).content.decode()
    assert sections(html)["You"] == ["Your stats", "Learning", "Spaces"]
    assert "Points" not in tabbar(html) and "Stats" in tabbar(html)


def test_the_unread_count_and_the_organization_are_on_every_page(client, advocate):
    NotificationFactory.create_batch(3, membership=advocate, organization=advocate.organization)
    client.force_login(advocate.user)
    for name in ("home", "feed", "settings", "share_history"):
        html = client.get(reverse(name)).content.decode()
        assert 'aria-label="Notifications, 3 unread"' in html, name
        assert '<span class="count" aria-hidden="true">3</span>' in html, name
        assert "Acme" in sidebar(html), name


def test_a_member_of_two_organizations_can_switch_from_the_sidebar(client, advocate):
    other = MembershipFactory(
        user=advocate.user, organization=OrganizationFactory(name="Globex", slug="globex")
    )
    client.force_login(advocate.user)
    html = sidebar(client.get(reverse("home")).content.decode())
    assert '<details class="org-switcher">' in html
    assert f'name="organization" value="{other.organization_id}"' in html
    assert "Switch to Globex" in html


def test_signed_out_pages_have_no_shell(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="sidebar"' not in html and 'class="tabbar"' not in html


def test_more_is_lit_for_pages_behind_it_not_for_home(client, advocate):
    client.force_login(advocate.user)
    home = client.get(reverse("home")).content.decode()
    assert '<summary class="tab current">' not in home
    settings_page = client.get(reverse("settings")).content.decode()
    assert '<summary class="tab current">' in settings_page
