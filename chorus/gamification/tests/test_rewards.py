"""The rewards catalogue: requests reserve stock and points, decisions, cancel, switch-off,
the pages and the API, and no negative stock or balance under concurrent requests."""

from __future__ import annotations

import itertools
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from chorus.accounts.services import tokens as account_services
from chorus.core.models import AuditEvent
from chorus.core.tenancy import in_organization
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.gamification.models import (
    GamificationSettings,
    PointEntry,
    PointRule,
    Reward,
    RewardRequest,
    RewardStatus,
    Rule,
    Source,
)
from chorus.gamification.services.points import points_award, points_balance, points_spend
from chorus.gamification.services.rewards import (
    RewardFields,
    reward_cancel,
    reward_create,
    reward_decide,
    reward_request,
)
from chorus.notifications.models import Notification

_sources = itertools.count(1)


def give(member: Any, points: int) -> None:
    """Award `points` to the member through the ledger (a course worth 1 point, no cap)."""
    PointRule.objects.update_or_create(
        organization_id=member.organization_id,
        rule=Rule.COURSE,
        defaults={"points": 1, "daily_cap": 0},
    )
    entry = points_award(
        membership=member,
        rule=Rule.COURSE,
        source=Source.COURSE,
        source_id=next(_sources),
        count=points,
    )
    assert entry is not None and entry.points == points


def stock(reward: Reward) -> int:
    return Reward.objects.values_list("stock", flat=True).get(pk=reward.pk)


@pytest.fixture
def world(organization: Any, admin_member: Any, employee: Any) -> SimpleNamespace:
    mug = Reward.objects.create(
        organization=organization, name="Mug", description="A fine mug", price=100, stock=2
    )
    give(employee, 250)
    return SimpleNamespace(organization=organization, admin=admin_member, emma=employee, mug=mug)


# Services


def test_a_request_reserves_one_item_and_deducts_the_price_through_the_ledger(world):
    made = reward_request(membership=world.emma, reward=world.mug)
    assert (made.status, made.points) == (RewardStatus.REQUESTED, 100)
    assert stock(world.mug) == 1
    assert points_balance(membership=world.emma) == 150
    spend = PointEntry.objects.get(membership=world.emma, rule=Rule.REWARD)
    assert (spend.points, spend.source, spend.source_id) == (-100, "reward_request", made.pk)
    assert AuditEvent.objects.filter(action="reward.requested", target_id=str(made.pk)).exists()


def test_a_short_balance_is_refused_with_no_change(world):
    reward_request(membership=world.emma, reward=world.mug)
    reward_request(membership=world.emma, reward=world.mug)  # 50 points left
    pricey = Reward.objects.create(organization=world.organization, name="Hat", price=60, stock=5)
    with pytest.raises(ValidationError, match="costs 60 points and your balance is 50"):
        reward_request(membership=world.emma, reward=pricey)
    assert stock(pricey) == 5
    assert points_balance(membership=world.emma) == 50
    assert RewardRequest.objects.filter(reward=pricey).count() == 0


def test_out_of_stock_and_inactive_rewards_are_refused(world):
    give(world.admin, 500)
    reward_request(membership=world.emma, reward=world.mug)
    reward_request(membership=world.admin, reward=world.mug)
    with pytest.raises(ValidationError, match="out of stock"):
        reward_request(membership=world.emma, reward=world.mug)
    assert stock(world.mug) == 0
    assert points_balance(membership=world.emma) == 150
    hat = Reward.objects.create(
        organization=world.organization, name="Hat", price=10, stock=5, active=False
    )
    with pytest.raises(ValidationError, match="no longer in the catalogue"):
        reward_request(membership=world.emma, reward=hat)
    assert stock(hat) == 5


def test_stock_can_never_be_negative_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=world.mug.pk).update(stock=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(organization=world.organization, name="Free", price=0, stock=1)


def test_points_spend_refuses_a_short_balance_and_when_points_are_off(world):
    with pytest.raises(ValidationError, match="balance is 250"):
        points_spend(membership=world.emma, points=251, source_id=999)
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    with pytest.raises(ValidationError, match="not available"):
        points_spend(membership=world.emma, points=1, source_id=999)
    assert not PointEntry.objects.filter(rule=Rule.REWARD).exists()


def test_approving_tells_the_member_and_keeps_the_points_spent(world):
    made = reward_request(membership=world.emma, reward=world.mug)
    reward_decide(request=made, actor=world.admin.user, approve=True, reason="Pick it up at HR")
    made.refresh_from_db()
    assert (made.status, made.decided_by, made.reason) == (
        RewardStatus.APPROVED,
        world.admin.user,
        "Pick it up at HR",
    )
    assert made.decided_at is not None
    assert stock(world.mug) == 1
    assert points_balance(membership=world.emma) == 150
    note = Notification.objects.get(membership=world.emma)
    assert (note.kind, note.message, note.url) == (
        "reward_approved",
        "Your reward “Mug” was approved. Pick it up at HR",
        "/rewards/",
    )
    assert AuditEvent.objects.filter(action="reward.approved", target_id=str(made.pk)).exists()


def test_declining_gives_the_item_and_the_points_back_by_a_reversal(world):
    made = reward_request(membership=world.emma, reward=world.mug)
    reward_decide(request=made, actor=world.admin.user, approve=False, reason="Out of budget")
    made.refresh_from_db()
    assert made.status == RewardStatus.DECLINED
    assert stock(world.mug) == 2
    assert points_balance(membership=world.emma) == 250
    entries = list(
        PointEntry.objects.filter(membership=world.emma, rule=Rule.REWARD)
        .order_by("pk")
        .values_list("points", "reverses__points")
    )
    assert entries == [(-100, None), (100, -100)]
    note = Notification.objects.get(membership=world.emma)
    assert note.kind == "reward_declined"
    assert note.message == "Your reward “Mug” was declined; 100 points are back. Out of budget"


def test_a_decided_request_cannot_be_decided_or_cancelled_again(world):
    made = reward_request(membership=world.emma, reward=world.mug)
    reward_decide(request=made, actor=world.admin.user, approve=False)
    with pytest.raises(ValidationError, match="already declined"):
        reward_decide(request=made, actor=world.admin.user, approve=False)
    with pytest.raises(ValidationError, match="already declined"):
        reward_cancel(request=made, membership=world.emma)
    # Refunded once only.
    assert stock(world.mug) == 2
    assert points_balance(membership=world.emma) == 250


def test_a_member_cancels_a_pending_request_and_is_refunded(world):
    made = reward_request(membership=world.emma, reward=world.mug)
    reward_cancel(request=made, membership=world.emma)
    made.refresh_from_db()
    assert made.status == RewardStatus.CANCELLED
    assert stock(world.mug) == 2
    assert points_balance(membership=world.emma) == 250
    assert AuditEvent.objects.filter(action="reward.cancelled", target_id=str(made.pk)).exists()
    assert not Notification.objects.filter(membership=world.emma).exists()


def test_a_reason_over_500_characters_is_refused_with_no_change(world):
    made = reward_request(membership=world.emma, reward=world.mug)
    with pytest.raises(ValidationError, match="at most 500"):
        reward_decide(request=made, actor=world.admin.user, approve=False, reason="x" * 501)
    made.refresh_from_db()
    assert made.status == RewardStatus.REQUESTED
    assert stock(world.mug) == 1


def test_nothing_can_be_requested_while_points_are_off(world):
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    with pytest.raises(ValidationError, match="turned off"):
        reward_request(membership=world.emma, reward=world.mug)
    assert stock(world.mug) == 2


def test_reward_create_checks_its_fields_and_is_audited(world):
    with pytest.raises(ValidationError) as refused:
        reward_create(
            organization=world.organization,
            actor=world.admin.user,
            fields=RewardFields(name="  ", description="", price=0, stock=-1),
        )
    assert set(refused.value.message_dict) == {"name", "price", "stock"}
    reward = reward_create(
        organization=world.organization,
        actor=world.admin.user,
        fields=RewardFields(name=" Hoodie ", description="Size M", price=300, stock=4),
    )
    assert (reward.name, reward.price, reward.stock, reward.active) == ("Hoodie", 300, 4, True)
    assert AuditEvent.objects.filter(action="reward.created", target_id=str(reward.pk)).exists()


# Concurrency (PostgreSQL: real row locks between connections)

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent requests need PostgreSQL (SQLite runs one writer at a time); "
    "run with DATABASE_URL=postgres://...",
)


def _race(requests: list[tuple[Any, Reward]]) -> list[str]:
    """Run every (member, reward) request at once, each on its own connection."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []

    def attempt(member: Any, reward: Reward) -> None:
        try:
            barrier.wait()
            # Each thread is a request of its own, in the member's organization.
            with in_organization(member.organization_id):
                reward_request(membership=member, reward=reward)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair) for pair in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_ten_members_racing_for_the_last_three_items_never_take_stock_below_zero():
    organization = OrganizationFactory(slug="race")
    members = [MembershipFactory(organization=organization) for _ in range(10)]
    for member in members:
        give(member, 100)
    reward = Reward.objects.create(organization=organization, name="Last", price=40, stock=3)
    outcomes = _race([(member, reward) for member in members])
    assert sorted(outcomes) == ["This reward is out of stock."] * 7 + ["ok"] * 3
    assert stock(reward) == 0
    assert RewardRequest.objects.filter(reward=reward).count() == 3
    # Only the three who got an item paid for it.
    balances = sorted(points_balance(membership=member) for member in members)
    assert balances == [60] * 3 + [100] * 7


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_one_member_racing_ten_requests_with_a_balance_for_two_never_goes_negative():
    organization = OrganizationFactory(slug="race")
    member = MembershipFactory(organization=organization)
    give(member, 250)
    reward = Reward.objects.create(organization=organization, name="Mug", price=100, stock=10)
    outcomes = _race([(member, reward)] * 10)
    assert sorted(outcomes) == ["This costs 100 points and your balance is 50."] * 8 + ["ok"] * 2
    assert points_balance(membership=member) == 50
    assert stock(reward) == 8
    spent = PointEntry.objects.filter(membership=member, rule=Rule.REWARD)
    assert sorted(spent.values_list("points", flat=True)) == [-100, -100]


# Pages


def test_the_catalogue_page_shows_prices_stock_balance_and_my_requests(client, world):
    Reward.objects.create(organization=world.organization, name="Yacht", price=9999, stock=1)
    Reward.objects.create(
        organization=world.organization, name="Retired", price=1, stock=1, active=False
    )
    reward_request(membership=world.emma, reward=world.mug)
    client.force_login(world.emma.user)
    response = client.get("/rewards/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<strong id="reward-balance">150</strong>' in page
    assert "Mug" in page and "1 left" in page
    assert "9849 more points and it is yours to request." in page
    assert "Retired" not in page
    assert "Waiting for approval" in page
    assert f'action="/rewards/{world.mug.pk}/request/"' in page
    assert 'data-confirm="Request “Mug” for 100 points?"' in page


def test_requesting_and_cancelling_from_the_page(client, world):
    client.force_login(world.emma.user)
    response = client.post(f"/rewards/{world.mug.pk}/request/", follow=True)
    assert "You requested “Mug” for 100 points." in response.content.decode()
    made = RewardRequest.objects.get(membership=world.emma)
    assert stock(world.mug) == 1
    response = client.post(f"/rewards/requests/{made.pk}/cancel/", follow=True)
    assert "Request cancelled: your 100 points are back." in response.content.decode()
    assert points_balance(membership=world.emma) == 250
    assert stock(world.mug) == 2


def test_a_refused_request_says_why_on_the_page(client, world):
    hat = Reward.objects.create(organization=world.organization, name="Hat", price=900, stock=1)
    client.force_login(world.emma.user)
    response = client.post(f"/rewards/{hat.pk}/request/", follow=True)
    assert "This costs 900 points and your balance is 250." in response.content.decode()
    assert stock(hat) == 1


def test_members_cannot_cancel_someone_elses_request(client, world):
    give(world.admin, 100)
    theirs = reward_request(membership=world.admin, reward=world.mug)
    client.force_login(world.emma.user)
    assert client.post(f"/rewards/requests/{theirs.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RewardStatus.REQUESTED


def test_admins_add_edit_and_take_out_rewards(client, world):
    client.force_login(world.admin.user)
    response = client.post(
        "/manage/rewards/",
        {
            "name": "Hoodie",
            "description": "<b>warm</b>",
            "price": "300",
            "stock": "4",
            "active": "on",
        },
    )
    assert response.status_code == 302
    hoodie = Reward.objects.get(name="Hoodie")
    assert (hoodie.price, hoodie.stock, hoodie.active) == (300, 4, True)
    client.force_login(world.emma.user)
    assert "&lt;b&gt;warm&lt;/b&gt;" in client.get("/rewards/").content.decode()
    client.force_login(world.admin.user)
    response = client.post(
        f"/manage/rewards/{hoodie.pk}/",
        {"name": "Hoodie", "description": "", "price": "250", "stock": "6", "active": "on"},
    )
    assert response.status_code == 302
    hoodie.refresh_from_db()
    assert (hoodie.price, hoodie.stock) == (250, 6)
    client.post(f"/manage/rewards/{hoodie.pk}/active/", {"active": "0"})
    hoodie.refresh_from_db()
    assert hoodie.active is False
    assert AuditEvent.objects.filter(action="reward.deactivated").count() == 1


def test_a_bad_reward_form_says_why_and_changes_nothing(client, world):
    client.force_login(world.admin.user)
    response = client.post("/manage/rewards/", {"name": "Free", "price": "0", "stock": "-3"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "greater than or equal to 1" in page and "greater than or equal to 0" in page
    assert not Reward.objects.filter(name="Free").exists()
    response = client.post(f"/manage/rewards/{world.mug.pk}/", {"name": "", "price": "x"})
    assert response.status_code == 422
    world.mug.refresh_from_db()
    assert (world.mug.name, world.mug.price) == ("Mug", 100)


def test_admins_approve_and_decline_from_the_queue(client, world):
    first = reward_request(membership=world.emma, reward=world.mug)
    second = reward_request(membership=world.emma, reward=world.mug)
    client.force_login(world.admin.user)
    page = client.get("/manage/rewards/").content.decode()
    assert "Waiting for a decision (2)" in page
    client.post(f"/manage/rewards/requests/{first.pk}/decide/", {"decision": "approve"})
    response = client.post(
        f"/manage/rewards/requests/{second.pk}/decide/",
        {"decision": "decline", "reason": "One per person"},
        follow=True,
    )
    assert "declined (item and points given back)" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RewardStatus.APPROVED, RewardStatus.DECLINED)
    assert second.reason == "One per person"
    assert stock(world.mug) == 1
    assert points_balance(membership=world.emma) == 150


def test_a_decision_without_a_choice_changes_nothing(client, world):
    made = reward_request(membership=world.emma, reward=world.mug)
    client.force_login(world.admin.user)
    response = client.post(
        f"/manage/rewards/requests/{made.pk}/decide/", {"decision": "maybe"}, follow=True
    )
    assert "Nothing decided." in response.content.decode()
    made.refresh_from_db()
    assert made.status == RewardStatus.REQUESTED


def test_employees_cannot_manage_rewards(client, world):
    made = reward_request(membership=world.emma, reward=world.mug)
    client.force_login(world.emma.user)
    assert client.get("/manage/rewards/").status_code == 403
    assert (
        client.post(
            f"/manage/rewards/requests/{made.pk}/decide/", {"decision": "approve"}
        ).status_code
        == 403
    )
    made.refresh_from_db()
    assert made.status == RewardStatus.REQUESTED


def test_foreign_rewards_and_requests_are_404(client, world):
    other = OrganizationFactory(slug="globex")
    stranger = MembershipFactory(organization=other)
    give(stranger, 100)
    theirs = Reward.objects.create(organization=other, name="Theirs", price=10, stock=1)
    their_request = reward_request(membership=stranger, reward=theirs)
    client.force_login(world.admin.user)
    assert client.post(f"/rewards/{theirs.pk}/request/").status_code == 404
    assert client.get(f"/manage/rewards/{theirs.pk}/").status_code == 404
    assert (
        client.post(
            f"/manage/rewards/requests/{their_request.pk}/decide/", {"decision": "decline"}
        ).status_code
        == 404
    )
    assert stock(theirs) == 0


def test_pages_and_nav_links_follow_the_switch(client, world):
    client.force_login(world.admin.user)
    page = client.get("/rewards/").content.decode()
    assert 'href="/rewards/"' in page and 'href="/manage/rewards/"' in page
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    assert client.get("/rewards/").status_code == 404
    assert client.get("/manage/rewards/").status_code == 404
    assert client.post(f"/rewards/{world.mug.pk}/request/").status_code == 404
    home = client.get("/settings/").content.decode()
    assert 'href="/rewards/"' not in home and 'href="/manage/rewards/"' not in home
    assert stock(world.mug) == 2


# API


@pytest.fixture
def tokens(world) -> SimpleNamespace:
    _, emma = account_services.api_token_create(membership=world.emma, name="test")
    _, admin = account_services.api_token_create(membership=world.admin, name="test")
    return SimpleNamespace(
        emma={"Authorization": f"Bearer {emma}"}, admin={"Authorization": f"Bearer {admin}"}
    )


def test_api_catalogue_request_and_my_requests(client, world, tokens):
    response = client.get("/api/v1/rewards", headers=tokens.emma)
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.mug.pk,
            "name": "Mug",
            "description": "A fine mug",
            "price": 100,
            "stock": 2,
            "active": True,
            "picture_url": "",
        }
    ]
    response = client.post(f"/api/v1/rewards/{world.mug.pk}/request", headers=tokens.emma)
    assert response.status_code == 201
    body = response.json()
    assert (body["reward_name"], body["points"], body["status"], body["member_id"]) == (
        "Mug",
        100,
        "requested",
        world.emma.pk,
    )
    mine = client.get("/api/v1/reward-requests", headers=tokens.emma).json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == body["id"]


def test_api_refuses_a_short_balance_with_422(client, world, tokens):
    hat = Reward.objects.create(organization=world.organization, name="Hat", price=900, stock=1)
    response = client.post(f"/api/v1/rewards/{hat.pk}/request", headers=tokens.emma)
    assert response.status_code == 422
    assert response.json() == {"detail": "This costs 900 points and your balance is 250."}
    assert stock(hat) == 1


def test_api_admins_see_every_request_and_decide(client, world, tokens):
    give(world.admin, 100)
    emma_request = reward_request(membership=world.emma, reward=world.mug)
    reward_request(membership=world.admin, reward=world.mug)
    everyone = client.get("/api/v1/reward-requests?status=requested", headers=tokens.admin)
    assert everyone.json()["count"] == 2
    mine = client.get("/api/v1/reward-requests?mine=true", headers=tokens.admin)
    assert mine.json()["count"] == 1
    assert client.get("/api/v1/reward-requests", headers=tokens.emma).json()["count"] == 1
    response = client.post(
        f"/api/v1/reward-requests/{emma_request.pk}/decline",
        data={"reason": "Sorry"},
        content_type="application/json",
        headers=tokens.admin,
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("declined", "Sorry")
    assert points_balance(membership=world.emma) == 250
    again = client.post(
        f"/api/v1/reward-requests/{emma_request.pk}/approve",
        data={},
        content_type="application/json",
        headers=tokens.admin,
    )
    assert again.status_code == 422
    assert again.json() == {"detail": "This request was already declined."}
    declined = client.get("/api/v1/reward-requests?status=declined", headers=tokens.admin)
    assert [item["id"] for item in declined.json()["items"]] == [emma_request.pk]


def test_api_employees_cannot_decide_and_cancel_only_their_own(client, world, tokens):
    give(world.admin, 100)
    emma_request = reward_request(membership=world.emma, reward=world.mug)
    admin_request = reward_request(membership=world.admin, reward=world.mug)
    response = client.post(
        f"/api/v1/reward-requests/{emma_request.pk}/approve",
        data={},
        content_type="application/json",
        headers=tokens.emma,
    )
    assert response.status_code == 403
    cancel = f"/api/v1/reward-requests/{admin_request.pk}/cancel"
    assert client.post(cancel, headers=tokens.emma).status_code == 404
    response = client.post(f"/api/v1/reward-requests/{emma_request.pk}/cancel", headers=tokens.emma)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert stock(world.mug) == 1  # the admin's item is still set aside


def test_api_answers_404_while_points_are_off(client, world, tokens):
    made = reward_request(membership=world.emma, reward=world.mug)
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    assert client.get("/api/v1/rewards", headers=tokens.emma).status_code == 404
    assert client.get("/api/v1/reward-requests", headers=tokens.emma).status_code == 404
    assert (
        client.post(f"/api/v1/rewards/{world.mug.pk}/request", headers=tokens.emma).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/reward-requests/{made.pk}/cancel", headers=tokens.emma).status_code
        == 404
    )
    assert stock(world.mug) == 1
