"""The gamification pages speak the member's language: German for a member who chose it,
English for one who chose none; the suggested badges too, an admin's own names as written."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from chorus.factories import MembershipFactory, ShareFactory
from chorus.gamification.models import Badge, Criterion
from chorus.gamification.selectors.points import history_rows
from chorus.gamification.services.badges import badges_add_suggested, badges_check
from chorus.gamification.services.points import points_award, points_reverse_sources
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareStatus


def _page(member: Any, name: str) -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_who_chose_german_gets_the_badges_page_in_german(
    organization: Any, admin_member: Any, employee: Any
) -> None:
    badges_add_suggested(organization=organization, actor=admin_member.user)
    Badge.objects.create(
        organization=organization, name="Founders' club", criterion=Criterion.SHARES, threshold=5
    )
    employee.user.language = "de"
    employee.user.save(update_fields=["language"])
    english = MembershipFactory(organization=organization, user__language="")

    german_page = _page(employee, "badges")
    assert "<h1>Meine Abzeichen</h1>" in german_page
    assert "Erster geteilter Beitrag" in german_page  # a suggested badge, in German
    assert "0 von 10 geteilten Beiträgen" in german_page
    assert "Founders&#x27; club" in german_page  # an admin's own name, as written

    english_page = _page(english, "badges")
    assert "<h1>My badges</h1>" in english_page
    assert "First share" in english_page
    assert "0 of 10 shares" in english_page


def test_the_leaderboard_and_points_speak_german(organization: Any, employee: Any) -> None:
    employee.program_status = "joined"
    employee.save(update_fields=["program_status"])
    employee.user.language = "de"
    employee.user.save(update_fields=["language"])
    page = _page(employee, "leaderboard")
    assert "<h1>Bestenliste</h1>" in page
    assert "Noch hat niemand diesen Monat Punkte gesammelt." in page
    assert "<h1>Meine Punkte</h1>" in _page(employee, "my_points")


def test_a_reversal_reads_in_the_readers_language(organization: Any, employee: Any) -> None:
    entry = points_award(membership=employee, rule="share", source="share", source_id=41)
    assert entry is not None
    points_reverse_sources(source="share", source_ids=[41], note="Undone within the hour")
    with translation.override("de"):
        german = history_rows(
            entries=employee.point_entries.order_by("-id"), organization_id=organization.pk
        )
    with translation.override("en"):
        english = history_rows(
            entries=employee.point_entries.order_by("-id"), organization_id=organization.pk
        )
    assert german[0].reversal == "Zurückgebucht: innerhalb einer Stunde rückgängig gemacht"
    assert english[0].reversal == "Reversed: undone within the hour"
    assert german[0].rule_label == "Einen Beitrag teilen"


def test_a_suggested_badge_is_announced_in_the_members_language(
    organization: Any, admin_member: Any, employee: Any
) -> None:
    with translation.override("en"):
        badges_add_suggested(organization=organization, actor=admin_member.user)
    employee.program_status = "joined"
    employee.save(update_fields=["program_status"])
    employee.user.language = "de"
    employee.user.save(update_fields=["language"])
    ShareFactory(membership=employee, status=ShareStatus.SHARED, shared_at=timezone.now())
    with translation.override("en"):
        assert badges_check([employee.pk]) == 1
    messages = set(
        Notification.objects.filter(membership=employee).values_list("message", flat=True)
    )
    assert "Du hast das Abzeichen Erster geteilter Beitrag erhalten" in messages
