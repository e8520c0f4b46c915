"""Sharing in the member's own language: the pages, and what they read later (a reminder
written by a nightly job, the error kept on their connection)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.content.models import PostState
from chorus.factories import MembershipFactory, NetworkConnectionFactory, PostFactory
from chorus.notifications.models import Notification
from chorus.sharing.services.connections import connections_check_expiry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def feed_of(client: Any, organization: Any, language: str) -> str:
    member = MembershipFactory(
        organization=organization, program_status=ProgramStatus.JOINED, user__language=language
    )
    PostFactory(organization=organization, state=PostState.LIVE, title="Lisbon is open")
    client.force_login(member.user)
    page: str = client.get(reverse("feed")).content.decode()
    return page


def test_a_member_who_chose_german_gets_the_feed_in_german(client: Any, organization: Any) -> None:
    page = feed_of(client, organization, "de")

    assert "<h1>Dein Feed</h1>" in page
    assert "Deine geteilten Beiträge" in page
    assert ">Teilen</a>" in page
    assert "Lisbon is open" in page  # the post itself stays as the team wrote it


def test_a_member_without_a_choice_gets_the_feed_in_english(client: Any, organization: Any) -> None:
    page = feed_of(client, organization, "")

    assert "<h1>Your feed</h1>" in page
    assert ">Share</a>" in page
    assert "Dein Feed" not in page


def test_the_nightly_expiry_job_writes_to_each_member_in_their_language(organization: Any) -> None:
    german: Any = MembershipFactory(organization=organization, user__language="de")
    english: Any = MembershipFactory(organization=organization, user__language="")
    for member in (german, english):
        NetworkConnectionFactory(
            membership=member, network="linkedin", instance="", expires_at=NOW + timedelta(days=5)
        )
    with time_machine.travel(NOW, tick=False):
        connections_check_expiry()

    assert Notification.objects.get(membership=german).message.startswith(
        "Deine Verbindung zu LinkedIn läuft am "
    )
    assert Notification.objects.get(membership=english).message.startswith(
        "Your LinkedIn connection expires on 7 Mar 2026"
    )

    with time_machine.travel(NOW + timedelta(days=6), tick=False):
        connections_check_expiry()
    connection = german.connections.get()
    assert connection.last_error.startswith("Deine Verbindung zu LinkedIn ist am ")
    assert connection.get_status_display() == "Needs reconnecting"  # shown in the page's language
