# mypy: disable-error-code="attr-defined, misc, arg-type, comparison-overlap"
"""Crisis: anyone in the program flags a potential crisis from any page or a conversation,
the communications team is told at once and resolves it; admins pause all sharing from the
crisis pages and resume it, choosing which held shares to cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from chorus.accounts.models import ProgramStatus
from chorus.care.models import CrisisFlag
from chorus.care.services.crisis import (
    FLAGS_PER_HOUR,
    crisis_flag,
    crisis_page_clean,
    crisis_resolve,
)
from chorus.core.models import AuditEvent
from chorus.factories import (
    CareAgentFactory,
    ConversationFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    ShareFactory,
)
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareStatus
from chorus.sharing.services.pause import sharing_pause
from chorus.sharing.tests.test_publishing import advocate, enable, live_post

REASON = "A product recall is under way; we speak with one voice."


@pytest.fixture
def member(organization: Any) -> Any:
    return advocate(organization, user__email="max@acme.test")


@pytest.fixture
def curator(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_curator=True, user__language="de")


def test_a_flag_tells_admins_and_curators_at_once_and_is_audited(
    organization: Any, admin_member: Any, curator: Any, member: Any, employee: Any
) -> None:
    flag = crisis_flag(
        membership=member,
        description="Angry thread about our outage is trending.",
        link="https://mastodon.example/@someone/1",
        page="/feed/",
    )
    assert flag.raised_by == member and flag.page == "/feed/"
    told = Notification.objects.filter(kind="care_crisis_flagged")
    assert sorted(told.values_list("membership_id", flat=True)) == sorted(
        [admin_member.pk, curator.pk]
    )
    message = told.get(membership=admin_member)
    assert "Angry thread about our outage" in message.message
    assert message.url == f"/care/crisis/#flag-{flag.pk}"
    event = AuditEvent.objects.get(action="care.crisis_flagged")
    assert event.actor == member.user and event.target_id == str(flag.pk)


def test_only_people_in_the_program_or_in_care_may_flag(
    organization: Any, employee: Any, admin_member: Any
) -> None:
    with pytest.raises(PermissionDenied):
        crisis_flag(membership=employee, description="Something")
    agent = CareAgentFactory(membership=MembershipFactory(organization=organization))
    assert crisis_flag(membership=agent.membership, description="From the inbox").pk
    assert crisis_flag(membership=admin_member, description="Seen it myself").pk


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/feed/?topic=3", "/feed/?topic=3"),
        ("https://evil.example/feed/", ""),
        ("//evil.example/feed/", ""),
        ("/\\evil.example", ""),
        ("javascript:alert(1)", ""),
        ("/feed/\r\nSet-Cookie: x", ""),
        ("", ""),
    ],
)
def test_the_page_a_flag_comes_from_is_a_path_on_our_site(given: str, kept: str) -> None:
    assert crisis_page_clean(given) == kept


def test_a_bad_link_or_an_empty_description_saves_nothing(member: Any) -> None:
    with pytest.raises(ValidationError):
        crisis_flag(membership=member, description="   ")
    with pytest.raises(ValidationError):
        crisis_flag(membership=member, description="Seen", link="javascript:alert(1)")
    assert not CrisisFlag.objects.exists()


def test_more_than_five_flags_an_hour_are_refused_with_a_clear_message(member: Any) -> None:
    for number in range(FLAGS_PER_HOUR):
        crisis_flag(membership=member, description=f"Flag {number}")
    with pytest.raises(ValidationError, match="wait a little"):
        crisis_flag(membership=member, description="One more")
    CrisisFlag.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert crisis_flag(membership=member, description="Later").pk


def test_the_shell_offers_the_flag_with_the_page_it_is_on(client: Any, member: Any) -> None:
    client.force_login(member.user)
    page = client.get("/feed/").content.decode()
    assert "/care/crisis/flag/?from=/feed/" in page


def test_flagging_from_a_page_returns_there(client: Any, member: Any, admin_member: Any) -> None:
    client.force_login(member.user)
    form = client.get("/care/crisis/flag/", {"from": "/feed/"})
    assert form.status_code == 200
    assert 'name="page" value="/feed/"' in form.content.decode()
    response = client.post(
        "/care/crisis/flag/", {"description": "Trending complaint", "page": "/feed/"}
    )
    assert response.status_code == 302 and response["Location"] == "/feed/"
    assert CrisisFlag.objects.get().description == "Trending complaint"


def test_flagging_from_another_site_stays_on_our_site(client: Any, member: Any) -> None:
    client.force_login(member.user)
    response = client.post(
        "/care/crisis/flag/", {"description": "Seen", "page": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert CrisisFlag.objects.get().page == ""


def test_a_refused_flag_keeps_what_the_member_typed(client: Any, member: Any) -> None:
    for number in range(FLAGS_PER_HOUR):
        crisis_flag(membership=member, description=f"Flag {number}")
    client.force_login(member.user)
    response = client.post("/care/crisis/flag/", {"description": "Still happening", "link": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "wait a little" in body and "Still happening" in body
    bad = client.post("/care/crisis/flag/", {"description": "Seen", "link": "ftp://x.example/"})
    assert bad.status_code == 400 and CrisisFlag.objects.count() == FLAGS_PER_HOUR


def test_a_flag_from_a_conversation_is_linked_to_it(client: Any, organization: Any) -> None:
    agent = CareAgentFactory(membership=MembershipFactory(organization=organization))
    conversation = ConversationFactory(organization=organization)
    client.force_login(agent.membership.user)
    form = client.get("/care/crisis/flag/", {"conversation": conversation.pk})
    assert form.status_code == 200
    client.post(
        "/care/crisis/flag/",
        {"description": "Customer threatens a lawsuit", "conversation": conversation.pk},
    )
    assert CrisisFlag.objects.get().conversation == conversation
    foreign = ConversationFactory(organization=OrganizationFactory())
    assert client.get("/care/crisis/flag/", {"conversation": foreign.pk}).status_code == 404


def test_people_outside_the_program_cannot_flag(client: Any, employee: Any) -> None:
    client.force_login(employee.user)
    assert client.get("/care/crisis/flag/").status_code == 403


def test_the_team_lists_and_resolves_flags(
    client: Any, curator: Any, member: Any, employee: Any
) -> None:
    flag = crisis_flag(membership=member, description="Outage thread")
    client.force_login(employee.user)
    assert client.get("/care/crisis/").status_code == 403
    client.force_login(curator.user)
    page = client.get("/care/crisis/").content.decode()
    assert "Outage thread" in page and "Pause all sharing" not in page  # admins only
    empty = client.post(f"/care/crisis/{flag.pk}/resolve/", {"resolution": ""})
    assert empty.status_code == 400
    done = client.post(f"/care/crisis/{flag.pk}/resolve/", {"resolution": "Answered publicly"})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.resolved_by == curator and flag.resolution == "Answered publicly"
    assert AuditEvent.objects.filter(action="care.crisis_resolved").exists()
    # (The requests above left the curator's language active in this thread.)
    with translation.override("en"), pytest.raises(ValidationError, match="already resolved"):
        crisis_resolve(flag=flag, membership=curator, resolution="Again")
    other = CrisisFlag.objects.create(organization=OrganizationFactory(), description="Theirs")
    assert client.post(f"/care/crisis/{other.pk}/resolve/", {"resolution": "x"}).status_code == 404


def test_admins_pause_sharing_from_the_crisis_pages(
    client: Any, organization: Any, admin_member: Any, curator: Any
) -> None:
    client.force_login(curator.user)
    assert client.post("/care/crisis/pause/", {"reason": REASON}).status_code == 403
    client.force_login(admin_member.user)
    assert "Pause all sharing" in client.get("/care/crisis/").content.decode()
    refused = client.post("/care/crisis/pause/", {"reason": ""})
    assert refused.status_code == 400
    organization.refresh_from_db()
    assert not organization.sharing_paused
    assert client.post("/care/crisis/pause/", {"reason": REASON}).status_code == 302
    organization.refresh_from_db()
    assert organization.sharing_pause_reason == REASON
    assert organization.sharing_paused_by == admin_member.user


@pytest.fixture
def paused_with_shares(organization: Any, admin_member: Any) -> dict[str, Any]:
    enable(organization)
    member = advocate(organization)
    connection = NetworkConnectionFactory(membership=member, network="mastodon")
    post = live_post(organization, title="Spring report")
    now = timezone.now()
    due = ShareFactory(
        membership=member,
        post=post,
        network="mastodon",
        method="api",
        status=ShareStatus.SCHEDULED,
        connection=connection,
        scheduled_for=now + timedelta(minutes=30),
        next_attempt_at=now + timedelta(minutes=30),
    )
    later = ShareFactory(
        membership=member,
        post=post,
        network="mastodon",
        method="api",
        status=ShareStatus.SCHEDULED,
        connection=connection,
        scheduled_for=now + timedelta(days=3),
        next_attempt_at=now + timedelta(days=3),
    )
    sharing_pause(organization=organization, actor=admin_member.user, reason=REASON)
    return {"member": member, "post": post, "due": due, "later": later}


def test_every_page_tells_admins_and_the_feed_tells_members_that_sharing_is_paused(
    client: Any, admin_member: Any, paused_with_shares: dict[str, Any]
) -> None:
    client.force_login(admin_member.user)
    assert "Sharing is paused:" in client.get("/settings/").content.decode()
    member = paused_with_shares["member"]
    client.force_login(member.user)
    feed = client.get("/feed/").content.decode()
    assert "Sharing is paused:" in feed and REASON.replace("'", "&#x27;") in feed
    dialog = client.get(f"/feed/{paused_with_shares['post'].pk}/share/").content.decode()
    assert f"Sharing is paused: {REASON}" in dialog
    assert "Sharing is paused:" not in client.get("/settings/").content.decode()


def test_the_post_of_the_day_is_not_offered_while_paused(
    client: Any, organization: Any, admin_member: Any
) -> None:
    member = advocate(organization)
    live_post(organization, title="Today's news", post_of_the_day=timezone.localdate())
    client.force_login(member.user)
    assert "Share the post of the day" in client.get("/").content.decode()
    sharing_pause(organization=organization, actor=admin_member.user, reason=REASON)
    home = client.get("/").content.decode()
    assert "Today&#x27;s news" in home and "Share the post of the day" not in home
    assert f"Sharing is paused: {REASON}" in home


def test_resuming_lists_what_is_held_and_cancels_the_ticked_ones(
    client: Any,
    organization: Any,
    admin_member: Any,
    paused_with_shares: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    due, later = paused_with_shares["due"], paused_with_shares["later"]
    client.force_login(admin_member.user)
    page = client.get("/care/crisis/pause/").content.decode()
    assert f'name="cancel_share" value="{due.pk}"' in page
    assert f'name="cancel_share" value="{later.pk}"' in page
    foreign = ShareFactory(membership=MembershipFactory())
    assert client.post("/care/crisis/resume/", {"cancel_share": [foreign.pk]}).status_code == 404
    assert client.post("/care/crisis/resume/", {"cancel_share": ["x"]}).status_code == 400
    organization.refresh_from_db()
    assert organization.sharing_paused  # nothing changed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/care/crisis/resume/", {"cancel_share": [later.pk]})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert not organization.sharing_paused
    later.refresh_from_db()
    due.refresh_from_db()
    assert later.status == ShareStatus.CANCELLED and REASON in later.cancel_reason
    assert due.status == ShareStatus.SCHEDULED  # not due yet: goes out at its time
    event = AuditEvent.objects.get(action="sharing.resumed")
    assert event.data["cancelled"] == 1 and event.actor == admin_member.user


def test_members_are_not_let_near_the_switch(
    client: Any, paused_with_shares: dict[str, Any]
) -> None:
    client.force_login(paused_with_shares["member"].user)
    assert client.get("/care/crisis/pause/").status_code == 403
    assert client.post("/care/crisis/resume/").status_code == 403


def test_a_member_who_left_sees_no_flag_entry(client: Any, organization: Any) -> None:
    left = MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)
    client.force_login(left.user)
    assert "/care/crisis/flag/" not in client.get("/settings/").content.decode()


def test_a_flag_reaches_the_teams_channel_chosen_for_crisis_alerts_once_committed(
    organization: Any,
    admin_member: Any,
    member: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from chorus.notifications.teams.tests.receiver import running_receiver, webhook_for

    settings.HTTP_ALLOW_LOOPBACK = True
    with running_receiver() as receiver:
        webhook_for(organization, receiver.url, name="Comms (private)", crisis_alerts=True)
        webhook_for(organization, receiver.url, name="Everyone", crisis_alerts=False)
        with django_capture_on_commit_callbacks(execute=True):
            flag = crisis_flag(membership=member, description="Outage thread <b>trending</b>")

        assert receiver.problems == []
        [card] = receiver.cards
    body = str(card["attachments"][0]["content"])
    assert "Potential crisis flagged by" in body
    assert "Outage thread" in body
    assert f"/care/crisis/#flag-{flag.pk}" in body
