"""Challenges: exact progress (shares, new visitors, points), the audience, results sent
once, the switch, roles, other organizations' challenges, validation, pages and API."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.analytics.rollups import day_bounds, today
from chorus.core.models import AuditEvent
from chorus.factories import (
    GroupFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
)
from chorus.gamification.models import (
    Challenge,
    ChallengeMetric,
    GamificationSettings,
    PointRule,
    Rule,
    Source,
)
from chorus.gamification.selectors import challenges as selectors
from chorus.gamification.services.challenges import (
    ChallengeFields,
    challenge_create,
    challenge_delete,
    challenge_update,
    challenges_send_results,
)
from chorus.gamification.services.points import points_award, points_reverse
from chorus.gamification.tasks import challenges_send_results as results_task
from chorus.links.models import Click, ClickKind, DeviceClass
from chorus.links.services.links import link_mint
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareStatus

_ids = itertools.count(1)


def joined(organization: Any, **kwargs: Any) -> Any:
    return MembershipFactory(
        organization=organization, program_status=ProgramStatus.JOINED, **kwargs
    )


def moment(day: Any, hour: int = 12) -> Any:
    return day_bounds(day)[0] + timedelta(hours=hour)


def shared(member: Any, day: Any, *, post: Any = None, status: str = ShareStatus.SHARED) -> Any:
    extra = {"post": post} if post is not None else {}
    return ShareFactory(membership=member, status=status, shared_at=moment(day), **extra)


def click(link: Any, day: Any, *, unique: bool = True, own: bool = False, kind: str = "click"):
    return Click.objects.create(
        organization_id=link.organization_id,
        event_id=f"c{next(_ids)}",
        link=link,
        created_at=moment(day),
        kind=kind,
        device_class=DeviceClass.DESKTOP,
        visitor_key=f"v{next(_ids)}",
        is_unique=unique,
        is_self=own,
    )


def challenge(organization: Any, metric: str = ChallengeMetric.SHARES, **kwargs: Any) -> Any:
    day = today()
    values = {
        "title": "Spring push",
        "metric": metric,
        "target": 10,
        "starts_on": day - timedelta(days=2),
        "ends_on": day + timedelta(days=2),
        **kwargs,
    }
    groups = values.pop("groups", [])
    made = Challenge.objects.create(organization=organization, **values)
    made.groups.set(groups)
    return made


@pytest.fixture
def world(organization: Any, admin_member: Any) -> SimpleNamespace:
    ann = joined(organization, user__name="Ann")
    bob = joined(organization, user__name="Bob")
    cid = joined(organization, user__name="Cid")
    outsider = MembershipFactory(organization=organization)  # not in the program
    sales: Any = GroupFactory(organization=organization, name="Sales")
    tech: Any = GroupFactory(organization=organization, name="Tech")
    sales.members.add(ann, bob)
    tech.members.add(ann, outsider)
    return SimpleNamespace(
        organization=organization,
        admin=admin_member,
        ann=ann,
        bob=bob,
        cid=cid,
        outsider=outsider,
        sales=sales,
        tech=tech,
    )


def fields(**kwargs: Any) -> ChallengeFields:
    day = today()
    values: dict[str, Any] = {
        "title": "Launch week",
        "metric": ChallengeMetric.SHARES,
        "target": 50,
        "member_target": 5,
        "starts_on": day + timedelta(days=1),
        "ends_on": day + timedelta(days=7),
        **kwargs,
    }
    return ChallengeFields(**values)


# Progress


def test_shares_in_the_period_count_once_each_and_undone_or_outside_ones_do_not(world):
    day = today()
    made = challenge(world.organization, member_target=4)
    shared(world.ann, day)
    shared(world.ann, day - timedelta(days=2))  # the first day
    shared(world.ann, day - timedelta(days=3))  # the day before
    shared(world.ann, day, status=ShareStatus.UNDONE)
    shared(world.ann, day, status=ShareStatus.SCHEDULED)
    shared(world.bob, day + timedelta(days=2))  # the last day
    shared(world.outsider, day)  # not in the program
    assert selectors.member_values(made, selectors.audience(made)) == {
        world.ann.pk: 2,
        world.bob.pk: 1,
    }
    progress = selectors.progress(made, viewer=world.ann)
    assert (progress.total, progress.percent, progress.mine, progress.member_percent) == (
        3,
        30,
        2,
        50,
    )
    assert selectors.progress(made, viewer=world.outsider).mine is None


def test_a_campaign_counts_only_its_posts(world):
    day = today()
    made = challenge(world.organization, campaign="spring")
    spring = PostFactory(organization=world.organization, campaign="spring")
    other = PostFactory(organization=world.organization, campaign="autumn")
    shared(world.ann, day, post=spring)
    shared(world.ann, day, post=other)
    shared(world.bob, day, post=spring)
    assert selectors.progress(made).total == 2


def test_groups_target_their_current_members_once(world):
    day = today()
    made = challenge(world.organization, groups=[world.sales, world.tech])
    for member in (world.ann, world.bob, world.cid, world.outsider):
        shared(member, day)
    # Ann is in both groups: once. Cid is in neither; the outsider is not in the program.
    assert sorted(selectors.audience(made).values_list("pk", flat=True)) == sorted(
        [world.ann.pk, world.bob.pk]
    )
    assert selectors.progress(made).total == 2
    world.sales.members.remove(world.bob)
    assert selectors.progress(made).total == 1
    assert list(selectors.challenges_for(membership=world.ann)) == [made]
    assert list(selectors.challenges_for(membership=world.cid)) == []


def test_unique_clicks_of_the_period_not_own_ones(world):
    day = today()
    made = challenge(world.organization, ChallengeMetric.UNIQUE_CLICKS, campaign="spring")
    spring = PostFactory(
        organization=world.organization, campaign="spring", link_url="https://e.x/a", state="live"
    )
    other = PostFactory(organization=world.organization, link_url="https://e.x/b", state="live")
    link = link_mint(post=spring, membership=world.ann, network="linkedin")
    elsewhere = link_mint(post=other, membership=world.ann, network="linkedin")
    bobs = link_mint(post=spring, membership=world.bob, network="linkedin")
    click(link, day)
    click(link, day - timedelta(days=1))
    click(link, day, unique=False)  # a repeat
    click(link, day, own=True)  # Ann herself
    click(link, day, kind=ClickKind.BOT)
    click(link, day - timedelta(days=5))  # before the start
    click(elsewhere, day)  # another campaign
    click(bobs, day)
    assert selectors.member_values(made, selectors.audience(made)) == {
        world.ann.pk: 2,
        world.bob.pk: 1,
    }


def test_points_of_the_period_with_reversals(world, organization):
    PointRule.objects.create(organization=organization, rule=Rule.COURSE, points=7, daily_cap=0)
    made = challenge(organization, ChallengeMetric.POINTS, target=100)
    first = points_award(membership=world.ann, rule=Rule.COURSE, source=Source.COURSE, source_id=1)
    points_award(membership=world.ann, rule=Rule.COURSE, source=Source.COURSE, source_id=2)
    points_award(membership=world.bob, rule=Rule.COURSE, source=Source.COURSE, source_id=3)
    points_award(
        membership=world.bob,
        rule=Rule.COURSE,
        source=Source.COURSE,
        source_id=4,
        moment=timezone.now() - timedelta(days=10),
    )
    assert first is not None
    points_reverse(entry=first, note="test")
    progress = selectors.progress(made, viewer=world.ann)
    assert (progress.total, progress.mine, progress.percent) == (14, 7, 14)


# Results


def test_results_are_sent_once_to_each_participant(world):
    day = today()
    made = challenge(
        world.organization,
        groups=[world.sales],
        starts_on=day - timedelta(days=5),
        ends_on=day - timedelta(days=1),
    )
    running = challenge(world.organization)
    shared(world.ann, day - timedelta(days=2))
    shared(world.ann, day - timedelta(days=3))
    shared(world.bob, day - timedelta(days=2))
    results_task.enqueue()
    notes = Notification.objects.filter(kind="challenge.ended").order_by("membership_id")
    assert [(note.membership_id, note.message) for note in notes] == [
        (world.ann.pk, "The challenge “Spring push” ended: the group reached 3 of 10; you did 2."),
        (world.bob.pk, "The challenge “Spring push” ended: the group reached 3 of 10; you did 1."),
    ]
    made.refresh_from_db()
    running.refresh_from_db()
    assert made.results_sent_at is not None and running.results_sent_at is None
    assert challenges_send_results() == {"challenges": 0, "notified": 0}
    assert notes.count() == 2
    assert AuditEvent.objects.filter(action="challenge.results_sent").count() == 1


def test_results_while_off_tell_nobody(world):
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    day = today()
    made = challenge(
        world.organization, starts_on=day - timedelta(days=3), ends_on=day - timedelta(days=1)
    )
    assert challenges_send_results() == {"challenges": 1, "notified": 0}
    made.refresh_from_db()
    assert made.results_sent_at is not None
    assert not Notification.objects.filter(kind="challenge.ended").exists()


# Services


def test_create_validates_and_audits(world):
    made = challenge_create(
        organization=world.organization,
        actor=world.admin.user,
        fields=fields(group_ids=[world.sales.pk], title="  Launch week "),
    )
    assert made.title == "Launch week"
    assert list(made.groups.all()) == [world.sales]
    event = AuditEvent.objects.get(action="challenge.created")
    assert event.data["target"] == 50 and event.data["groups"] == [world.sales.pk]
    day = today()
    other_group = GroupFactory(organization=OrganizationFactory(slug="globex"))
    with pytest.raises(ValidationError) as refused:
        challenge_create(
            organization=world.organization,
            actor=world.admin.user,
            fields=fields(
                title=" ",
                ends_on=day,
                starts_on=day + timedelta(days=1),
                group_ids=[other_group.pk],
                target=0,
            ),
        )
    assert refused.value.message_dict == {
        "title": ["A challenge needs a title."],
        "target": ["The group goal is a number from 1 to 10,000,000."],
        "ends_on": ["The last day cannot be before the first day."],
        "groups": ["Choose groups from the list."],
    }
    with pytest.raises(ValidationError) as refused:
        challenge_create(
            organization=world.organization,
            actor=world.admin.user,
            fields=fields(
                metric=ChallengeMetric.POINTS, campaign="x", starts_on=day - timedelta(days=1)
            ),
        )
    assert set(refused.value.message_dict) == {"campaign", "starts_on"}
    assert Challenge.objects.count() == 1


def test_change_and_delete_only_before_the_start(world):
    made = challenge_create(
        organization=world.organization, actor=world.admin.user, fields=fields()
    )
    challenge_update(challenge=made, actor=world.admin.user, fields=fields(target=80))
    made.refresh_from_db()
    assert made.target == 80
    started = challenge(world.organization)
    with pytest.raises(ValidationError):
        challenge_update(challenge=started, actor=world.admin.user, fields=fields())
    with pytest.raises(ValidationError):
        challenge_delete(challenge=started, actor=world.admin.user)
    challenge_delete(challenge=made, actor=world.admin.user)
    assert list(Challenge.objects.all()) == [started]
    assert AuditEvent.objects.filter(action="challenge.deleted").count() == 1


# Pages


def form_data(**kwargs: Any) -> dict[str, Any]:
    day = today()
    return {
        "title": "Launch week",
        "metric": "shares",
        "target": "20",
        "member_target": "",
        "starts_on": (day + timedelta(days=1)).isoformat(),
        "ends_on": (day + timedelta(days=3)).isoformat(),
        "prize": "A <b>mug</b>",
        **kwargs,
    }


def test_member_page_shows_progress_and_days_left(client, world):
    day = today()
    challenge(world.organization, member_target=4, prize="<script>x</script>")
    challenge(
        world.organization,
        title="Old one",
        starts_on=day - timedelta(days=9),
        ends_on=day - timedelta(days=5),
    )
    shared(world.ann, day)
    client.force_login(world.ann.user)
    page = client.get("/challenges/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Group: 1 of 10 (10%)" in text
    assert "You: 1 of 4 (25%)" in text
    assert "3 days left" in text
    assert "Old one" in text
    assert "<script>x</script>" not in text and "&lt;script&gt;" in text
    assert 'href="/challenges/"' in text


def test_manage_pages_create_show_and_delete(client, world):
    client.force_login(world.admin.user)
    response = client.post("/manage/challenges/", form_data(groups=[world.sales.pk]))
    made = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/challenges/{made.pk}/"
    page = client.get(f"/manage/challenges/{made.pk}/")
    assert page.status_code == 200
    assert "Top 10" in page.content.decode() and "Ann" in page.content.decode()
    refused = client.post("/manage/challenges/", form_data(target="0", title=""))
    assert refused.status_code == 422
    assert Challenge.objects.count() == 1
    response = client.post(f"/manage/challenges/{made.pk}/delete/")
    assert response.status_code == 302 and not Challenge.objects.exists()


def test_pages_roles_off_and_foreign_ids(client, world):
    foreign = challenge(OrganizationFactory(slug="globex"))
    client.force_login(world.ann.user)
    assert client.get("/manage/challenges/").status_code == 403
    client.force_login(world.admin.user)
    assert client.get(f"/manage/challenges/{foreign.pk}/").status_code == 404
    assert client.post(f"/manage/challenges/{foreign.pk}/delete/").status_code == 404
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    assert client.get("/challenges/").status_code == 404
    assert client.get("/manage/challenges/").status_code == 404
    assert 'href="/challenges/"' not in client.get("/").content.decode()


# API


def api(client: Any, member: Any, method: str, path: str, body: Any = None) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="t")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_api_lists_mine_with_progress_and_curators_manage(client, world):
    made = challenge(world.organization, groups=[world.sales], member_target=2)
    shared(world.bob, today())
    mine = api(client, world.bob, "GET", "/challenges").json()
    assert [(c["id"], c["total"], c["mine"], c["member_percent"]) for c in mine] == [
        (made.pk, 1, 1, 50)
    ]
    assert api(client, world.cid, "GET", "/challenges").json() == []
    assert api(client, world.cid, "GET", f"/challenges/{made.pk}").status_code == 404
    day = today()
    body = {
        "title": "API week",
        "metric": "unique_clicks",
        "target": 30,
        "starts_on": (day + timedelta(days=1)).isoformat(),
        "ends_on": (day + timedelta(days=2)).isoformat(),
    }
    assert api(client, world.bob, "POST", "/challenges", body).status_code == 403
    created = api(client, world.admin, "POST", "/challenges", body)
    assert created.status_code == 201 and created.json()["state"] == "upcoming"
    new_id = created.json()["id"]
    bad = api(client, world.admin, "PUT", f"/challenges/{new_id}", {**body, "ends_on": "soon"})
    assert bad.status_code == 422
    changed = api(client, world.admin, "PUT", f"/challenges/{new_id}", {**body, "target": 40})
    assert changed.status_code == 200 and changed.json()["target"] == 40
    assert api(client, world.admin, "DELETE", f"/challenges/{made.pk}").status_code == 422
    assert api(client, world.admin, "DELETE", f"/challenges/{new_id}").status_code == 204
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    assert api(client, world.bob, "GET", "/challenges").status_code == 404


def test_the_top_lists_only_members_who_made_progress(client, world):
    running = challenge(world.organization)
    shared(world.bob, today())
    client.force_login(world.admin.user)
    top = client.get(f"/manage/challenges/{running.pk}/").context["top"]
    assert [(line.rank, line.label, line.value) for line in top] == [(1, "Bob", 1)]
    empty = challenge(  # starts tomorrow: nobody has done anything for it yet
        world.organization,
        title="Quiet week",
        starts_on=today() + timedelta(days=1),
        ends_on=today() + timedelta(days=3),
    )
    page = client.get(f"/manage/challenges/{empty.pk}/").content.decode()
    assert "Nobody has made progress yet." in page
