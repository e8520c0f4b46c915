"""Who is on the leaderboards: members who leave keep their points off the boards; rewards
redeemed lower the balance, never a rank."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.actions.members import member_join_program, member_leave_program, member_set_active
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.gamification.models import Period, PointTotal, Rule, Source
from chorus.gamification.selectors.leaderboard import leaderboard, my_rank
from chorus.gamification.services.points import points_award, points_balance
from chorus.gamification.services.rewards import (
    RewardFields,
    reward_create,
    reward_decide,
    reward_request,
)

_sources = itertools.count(1)


def earn(member: Any, times: int) -> None:
    for _ in range(times):
        points_award(
            membership=member, rule=Rule.SHARE, source=Source.SHARE, source_id=next(_sources)
        )


def board(organization: Any) -> list[tuple[str, int]]:
    return [
        (line.label, line.points)
        for line in leaderboard(organization=organization, period=Period.ALL)
    ]


@pytest.fixture
def acme(db: None) -> Any:
    organization: Any = OrganizationFactory()
    joined = {"program_status": ProgramStatus.JOINED}
    ada: Any = MembershipFactory(organization=organization, user__name="Ada", **joined)
    bob: Any = MembershipFactory(organization=organization, user__name="Bob", **joined)
    admin: Any = MembershipFactory(organization=organization, is_admin=True, user__name="Cy")
    earn(ada, 3)
    earn(bob, 2)
    return organization, ada, bob, admin


def test_leaving_the_program_takes_a_member_off_the_boards_and_joining_puts_them_back(acme):
    organization, ada, bob, _admin = acme
    assert board(organization) == [("Ada", 30), ("Bob", 20)]
    member_leave_program(membership=ada, actor=ada.user)
    assert board(organization) == [("Bob", 20)]
    assert my_rank(organization=organization, membership=bob, period=Period.ALL).rank == 1
    mine = my_rank(organization=organization, membership=ada, period=Period.ALL)
    assert (mine.points, mine.rank) == (30, None)  # her points stay hers
    assert set(PointTotal.objects.filter(membership=ada).values_list("points", flat=True)) == {30}
    member_join_program(
        membership=ada, actor=ada.user, terms_version=organization.program_terms_version
    )
    assert board(organization) == [("Ada", 30), ("Bob", 20)]


def test_deactivated_members_are_off_the_boards_until_reactivated(acme):
    organization, _ada, bob, admin = acme
    member_set_active(membership=bob, actor=admin.user, active=False)
    assert board(organization) == [("Ada", 30)]
    member_set_active(membership=bob, actor=admin.user, active=True)
    assert board(organization) == [("Ada", 30), ("Bob", 20)]


def test_a_member_outside_the_program_who_earns_is_not_ranked(acme):
    organization, _ada, _bob, admin = acme
    earn(admin, 5)  # an admin who never joined (an accepted suggestion, say)
    assert board(organization) == [("Ada", 30), ("Bob", 20)]
    assert set(PointTotal.objects.filter(membership=admin).values_list("ranked", flat=True)) == {
        False
    }


def test_redeeming_a_reward_lowers_the_balance_not_the_leaderboard(acme):
    organization, ada, _bob, admin = acme
    reward = reward_create(
        organization=organization,
        actor=admin.user,
        fields=RewardFields(name="Mug", description="", price=25, stock=2),
    )
    request = reward_request(membership=ada, reward=reward)
    assert points_balance(membership=ada) == 5
    assert board(organization) == [("Ada", 30), ("Bob", 20)]
    assert my_rank(organization=organization, membership=ada, period=Period.WEEK).points == 30
    reward_decide(request=request, actor=admin.user, approve=False, reason="Out of mugs")
    assert points_balance(membership=ada) == 30
    assert board(organization) == [("Ada", 30), ("Bob", 20)]
