"""Why a member's waiting shares stopped is stored for them to read: in their language."""

from __future__ import annotations

from typing import Any, cast

from django.utils import translation

from chorus.accounts.models import Membership, ProgramStatus
from chorus.actions.members import member_leave_program, member_set_active
from chorus.factories import MembershipFactory, ShareFactory
from chorus.sharing.models import Share, ShareStatus


def scheduled_share(member: Any) -> Share:
    return cast(
        Share,
        ShareFactory(
            membership=member, post__organization=member.organization, status=ShareStatus.SCHEDULED
        ),
    )


def test_a_german_member_who_leaves_reads_why_their_shares_stopped_in_german(
    organization: Any,
) -> None:
    member = cast(
        Membership,
        MembershipFactory(
            organization=organization, program_status=ProgramStatus.JOINED, user__language="de"
        ),
    )
    share = scheduled_share(member)
    member_leave_program(membership=member, actor=member.user)
    share.refresh_from_db()
    assert share.status == ShareStatus.CANCELLED
    assert share.cancel_reason == "Du hast das Programm verlassen."


def test_the_reason_follows_the_member_not_the_admin_who_deactivates_them(
    admin_member: Any, organization: Any
) -> None:
    member = cast(
        Membership,
        MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED),
    )
    share = scheduled_share(member)
    with translation.override("de"):
        member_set_active(membership=member, actor=admin_member.user, active=False)
    share.refresh_from_db()
    assert share.cancel_reason == "Your membership was deactivated."
