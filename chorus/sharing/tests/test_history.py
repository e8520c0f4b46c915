"""The member's share history, and publishing from the dialog on a connected account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import (
    MembershipFactory,
    NetworkConnectionFactory,
    PostFactory,
    ShareFactory,
)
from chorus.sharing.models import NetworkSettings, Share, ShareMethod, ShareStatus

LINK = "https://acme.example/news/launch"


@pytest.fixture
def member(organization):
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def post(organization):
    post = PostFactory(
        organization=organization, state=PostState.LIVE, link_url=LINK, title="Launch"
    )
    Caption.objects.create(post=post, network="mastodon", text="We launched!")
    return post


def test_history_lists_the_members_own_shares_with_text_link_and_status(
    member_client, member, post, organization
):
    member_client.post(f"/feed/{post.pk}/share/open/", {"network": "x", "text": "Exact words"})
    other = MembershipFactory(organization=organization)
    ShareFactory(membership=other, post=post, text="Someone else's")

    html = member_client.get("/shares/").content.decode()

    share = Share.objects.get(membership=member)
    assert "Exact words" in html and "Launch" in html
    assert f"/l/{share.link.code}" in html
    assert "Opened, not confirmed" in html
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html


def test_history_can_undo_an_intent_share(member_client, member, post):
    member_client.post(f"/feed/{post.pk}/share/open/", {"network": "x", "text": "Hi"})
    share = Share.objects.get()

    response = member_client.post(
        f"/shares/{share.pk}/undo/", {"in": "history"}, headers={"HX-Request": "true"}
    )

    share.refresh_from_db()
    assert share.status == ShareStatus.UNDONE
    assert f'id="share-row-{share.pk}"' in response.content.decode()


def test_a_colleagues_share_is_not_found(member_client, organization, post):
    colleague = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    share = ShareFactory(
        membership=colleague, post=post, method=ShareMethod.INTENT, status=ShareStatus.OPENED
    )

    assert member_client.post(f"/shares/{share.pk}/undo/").status_code == 404
    assert member_client.post(f"/shares/{share.pk}/cancel/").status_code == 404
    share.refresh_from_db()
    assert share.status == ShareStatus.OPENED


def test_scheduled_shares_can_be_cancelled_and_deleted(member_client, member, post):
    scheduled = ShareFactory(membership=member, post=post)
    other = ShareFactory(membership=member, post=post)

    html = member_client.get("/shares/").content.decode()
    assert f"/shares/{scheduled.pk}/cancel/" in html

    member_client.post(f"/shares/{scheduled.pk}/cancel/")
    member_client.post(f"/shares/{other.pk}/cancel/", {"delete": "1"})

    scheduled.refresh_from_db()
    assert scheduled.status == ShareStatus.CANCELLED
    assert not Share.objects.filter(pk=other.pk).exists()


@pytest.fixture
def connected(organization, member):
    NetworkSettings.objects.create(
        organization=organization, network="mastodon", publishing_enabled=True
    )
    return NetworkConnectionFactory(membership=member, network="mastodon")


def test_dialog_offers_post_now_and_schedule_with_a_connected_account(
    member_client, post, connected
):
    html = member_client.get(
        f"/feed/{post.pk}/share/network/", {"network": "mastodon"}
    ).content.decode()

    assert "Post now" in html and "Schedule" in html
    assert 'value="https://mastodon.example"' in html  # the connected account's server


def test_dialog_offers_no_post_now_without_a_connection(member_client, post):
    html = member_client.get(
        f"/feed/{post.pk}/share/network/", {"network": "mastodon"}
    ).content.decode()

    assert "Post now" not in html


def test_schedule_from_the_dialog_creates_a_scheduled_api_share(
    member_client, member, post, connected
):
    when = timezone.localtime() + timedelta(days=1)

    response = member_client.post(
        f"/feed/{post.pk}/share/publish/",
        {
            "network": "mastodon",
            "text": "Later, my words",
            "publish": "schedule",
            "when": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302 and response["Location"] == "/shares/"
    share = Share.objects.get()
    assert share.method == ShareMethod.API and share.status == ShareStatus.SCHEDULED
    assert share.text.startswith("Later, my words")
    assert abs(share.scheduled_for - when) < timedelta(minutes=1)


def test_history_tells_an_opened_share_from_a_shared_one(member_client, member, post):
    for network, status in [("x", ShareStatus.OPENED), ("linkedin", ShareStatus.SHARED)]:
        ShareFactory(
            membership=member,
            post=post,
            network=network,
            method=ShareMethod.INTENT,
            status=status,
            shared_at=timezone.now() if status == ShareStatus.SHARED else None,
        )

    html = member_client.get("/shares/").content.decode()

    assert html.count("Opened, not confirmed") == 1
    assert html.count("Not counted as shared yet") == 1
    assert "It also counts as soon as someone else clicks your link." in html
