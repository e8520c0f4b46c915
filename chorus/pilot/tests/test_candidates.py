"""Suggested volunteers: ranked, each with reasons in words; never inactive members, members
in the pilot or invited, or members who said no (unless they volunteered after)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.factories import NetworkConnectionFactory, OrganizationFactory
from chorus.pilot.models import Pilot, Volunteer
from chorus.pilot.selectors.candidates import pilot_candidates
from chorus.pilot.services import pilot as services
from chorus.pilot.tests.conftest import member
from chorus.sharing.models import ConnectionStatus
from chorus.training.models import Certificate, Certification, Course, QuizAttempt

pytestmark = pytest.mark.django_db


def _names(pilot: Pilot, **kwargs: Any) -> list[int]:
    return [
        entry.membership.pk for entry in pilot_candidates(organization=pilot.organization, **kwargs)
    ]


def _reasons(pilot: Pilot, membership: Membership) -> list[str]:
    for entry in pilot_candidates(organization=pilot.organization):
        if entry.membership.pk == membership.pk:
            return entry.reasons
    raise AssertionError("not suggested")


def test_volunteers_come_first_then_accounts_and_training(pilot: Pilot) -> None:
    organization = pilot.organization
    keen, connected, trained = member(organization), member(organization), member(organization)
    member(organization)  # nothing to go by: not suggested
    Volunteer.objects.create(organization=organization, membership=keen)
    NetworkConnectionFactory.create(organization=organization, membership=connected, followers=1200)
    course = Course.objects.create(organization=organization, title="Basics")
    QuizAttempt.objects.create(
        organization=organization,
        membership=trained,
        course=course,
        major_version=1,
        submitted_at=timezone.now(),
        score=95,
        passed=True,
    )
    certification = Certification.objects.create(organization=organization, name="Ready")
    Certificate.objects.create(
        organization=organization, certification=certification, membership=trained, code="c-1"
    )
    assert _names(pilot)[0] == keen.pk
    assert set(_names(pilot)) == {keen.pk, connected.pk, trained.pk}
    assert _reasons(pilot, keen) == ["Said they would like to take part"]
    assert _reasons(pilot, connected) == ["1 connected account, 1200 followers"]
    assert _reasons(pilot, trained) == [
        "Passed 1 quiz (best score 95%)",
        "Holds 1 certificate",
    ]


def test_expired_connections_and_other_organizations_do_not_count(pilot: Pilot) -> None:
    lapsed = member(pilot.organization)
    NetworkConnectionFactory.create(
        organization=pilot.organization, membership=lapsed, status=ConnectionStatus.EXPIRED
    )
    elsewhere = member(OrganizationFactory.create())
    Volunteer.objects.create(organization=elsewhere.organization, membership=elsewhere)
    assert _names(pilot) == []


def test_inactive_members_the_cohort_and_the_invited_are_not_suggested(
    pilot: Pilot, admin_member: Membership
) -> None:
    organization = pilot.organization
    gone, inside, asked = (
        member(organization, is_active=False),
        member(organization),
        member(organization),
    )
    for person in (gone, inside, asked):
        Volunteer.objects.create(organization=organization, membership=person)
    assert pilot.group is not None
    pilot.group.members.add(inside)
    services.pilot_invite(organization=organization, actor=admin_member.user, memberships=[asked])
    assert _names(pilot) == []


def test_who_said_no_is_not_asked_again_unless_they_volunteer_later(
    pilot: Pilot, admin_member: Membership
) -> None:
    organization = pilot.organization
    sam = member(organization)
    Volunteer.objects.create(organization=organization, membership=sam)
    [invitation] = services.pilot_invite(
        organization=organization, actor=admin_member.user, memberships=[sam]
    )
    services.invitation_decline(invitation=invitation, membership=sam)
    assert sam.pk not in _names(pilot)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        services.volunteer_offer(membership=sam)
        assert sam.pk in _names(pilot)


def test_a_search_finds_any_active_member(pilot: Pilot) -> None:
    quiet = member(pilot.organization, user__name="Quentin Quiet")
    assert quiet.pk not in _names(pilot)
    assert _names(pilot, q="quentin") == [quiet.pk]
