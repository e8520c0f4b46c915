"""Sharing through intent links: recorded with the exact text, marked done, undone."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, CaptionMode, PostState, RuleKind
from chorus.factories import ComplianceRuleFactory, MembershipFactory, PostFactory
from chorus.links.services.links import short_url
from chorus.sharing.models import NetworkSettings, Share, ShareMethod, ShareStatus
from chorus.sharing.services.intents import (
    share_intent_done,
    share_intent_open,
    share_intent_undo,
)

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
    post = PostFactory(organization=organization, state=PostState.LIVE, link_url=LINK)
    Caption.objects.create(post=post, network="x", text=f"We launched! {LINK}")
    Caption.objects.create(post=post, network="linkedin", text="Our launch story")
    return post


def test_opening_an_intent_records_the_exact_text_and_the_members_link(post, member):
    opened = share_intent_open(post=post, membership=member, network="x", text="My words!")

    share = opened.share
    assert share.method == ShareMethod.INTENT and share.status == ShareStatus.OPENED
    assert share.text == "My words!"
    assert share.link is not None and share.link.membership == member
    query = parse_qs(urlsplit(opened.intent_url).query)
    assert opened.intent_url.startswith("https://x.com/intent/tweet?")
    assert query == {"text": ["My words!"], "url": [short_url(share.link)]}


def test_recorded_text_includes_the_automatic_disclosure_that_is_sent(post, member, organization):
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.DISCLOSURE, value="#employee", auto_append=True
    )

    opened = share_intent_open(post=post, membership=member, network="x", text="Hello")

    assert opened.share.text == "Hello #employee"
    assert parse_qs(urlsplit(opened.intent_url).query)["text"] == ["Hello #employee"]


def test_blocked_text_is_not_shared(post, member, organization):
    ComplianceRuleFactory(organization=organization, value="guaranteed")

    with pytest.raises(ValidationError):
        share_intent_open(post=post, membership=member, network="x", text="Guaranteed returns")
    assert not Share.objects.exists()


def test_locked_caption_cannot_be_changed_in_an_intent(post, member):
    post.caption_mode = CaptionMode.LOCKED
    post.save()

    with pytest.raises(ValidationError):
        share_intent_open(post=post, membership=member, network="x", text="My own take")
    opened = share_intent_open(post=post, membership=member, network="x", text="We launched!")
    assert opened.share.text == "We launched!"


def test_members_outside_the_program_cannot_share(post, organization):
    left = MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)

    with pytest.raises(PermissionDenied):
        share_intent_open(post=post, membership=left, network="x", text="Hi")


def test_networks_the_organization_disabled_are_refused(post, member, organization):
    NetworkSettings.objects.create(organization=organization, network="x", sharing_enabled=False)

    with pytest.raises(ValidationError):
        share_intent_open(post=post, membership=member, network="x", text="Hi")


def test_mastodon_needs_the_members_server(post, member):
    with pytest.raises(ValidationError):
        share_intent_open(post=post, membership=member, network="mastodon", text="Hi")

    opened = share_intent_open(
        post=post, membership=member, network="mastodon", text="Hi", instance="social.example"
    )
    assert opened.intent_url.startswith("https://social.example/share?")


def test_done_then_undo(post, member):
    share = share_intent_open(post=post, membership=member, network="x", text="Hi").share

    share_intent_done(share=share, membership=member)
    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED and share.shared_at is not None

    share_intent_undo(share=share, membership=member)
    share.refresh_from_db()
    assert share.status == ShareStatus.UNDONE
    with pytest.raises(ValidationError):
        share_intent_done(share=share, membership=member)


def test_only_the_sharer_can_mark_a_share(post, member, organization):
    share = share_intent_open(post=post, membership=member, network="x", text="Hi").share
    colleague = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)

    with pytest.raises(PermissionDenied):
        share_intent_undo(share=share, membership=colleague)


# The dialog, through the pages ------------------------------------------------------


def test_dialog_lists_enabled_networks_only(member_client, post, organization):
    NetworkSettings.objects.create(
        organization=organization, network="facebook", sharing_enabled=False
    )

    html = member_client.get(f"/feed/{post.pk}/share/").content.decode()

    assert 'id="share-x"' in html and 'id="share-linkedin"' in html
    assert 'id="share-facebook"' not in html


def test_network_section_prefills_the_caption_with_the_members_link(member_client, post, member):
    response = member_client.get(f"/feed/{post.pk}/share/network/", {"network": "x"})

    html = response.content.decode()
    tracked = short_url(post.links.get(membership=member, network="x"))
    assert f"We launched! {tracked}</textarea>" in html
    assert "readonly" not in html


def test_network_section_of_a_url_only_network_offers_the_text_for_copy(member_client, post):
    html = member_client.get(
        f"/feed/{post.pk}/share/network/", {"network": "linkedin"}
    ).content.decode()

    assert "LinkedIn takes only the link: copy your text first" in html
    assert 'data-copy-field="#text-linkedin"' in html


def test_locked_caption_is_read_only_in_the_dialog(member_client, post):
    post.caption_mode = CaptionMode.LOCKED
    post.save()

    html = member_client.get(f"/feed/{post.pk}/share/network/", {"network": "x"}).content.decode()

    assert "readonly" in html


def test_check_counts_the_networks_way_as_the_member_types(member_client, post):
    text = "a" * 100 + " https://example.com/some/long/path " + "b" * 100

    on_x = member_client.post(f"/feed/{post.pk}/share/check/", {"network": "x", "text": text})
    on_linkedin = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "linkedin", "text": text}
    )

    assert '<span class="share-length">225</span> / 280' in on_x.content.decode()
    assert f'<span class="share-length">{len(text)}</span> / 3000' in on_linkedin.content.decode()


def test_check_shows_the_verdict(member_client, post, organization):
    ComplianceRuleFactory(organization=organization, value="guaranteed")

    html = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "x", "text": "guaranteed!"}
    ).content.decode()

    assert "Cannot be shared as it is" in html and "blocked term" in html


def intent_of(response):
    """Where the opening page sends the member (its refresh target)."""
    assert response.status_code == 200
    found = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', response.content.decode())
    assert found is not None
    return html.unescape(found.group(1))


def test_open_sends_the_member_to_the_intent_and_records_the_share(member_client, post, member):
    response = member_client.post(
        f"/feed/{post.pk}/share/open/", {"network": "x", "text": "Edited by me"}
    )

    assert intent_of(response).startswith("https://x.com/intent/tweet?text=Edited%20by%20me")
    share = Share.objects.get()
    assert share.membership == member and share.text == "Edited by me"


def test_email_intent_is_a_mailto_redirect(member_client, post):
    response = member_client.post(
        f"/feed/{post.pk}/share/open/", {"network": "email", "text": "Look"}
    )

    assert intent_of(response).startswith("mailto:")


def test_mastodon_server_is_asked_once_and_remembered(member_client, post):
    first = member_client.post(
        f"/feed/{post.pk}/share/open/",
        {"network": "mastodon", "text": "Hi", "instance": "social.example"},
    )
    again = member_client.post(
        f"/feed/{post.pk}/share/open/", {"network": "mastodon", "text": "Hi"}
    )
    section = member_client.get(f"/feed/{post.pk}/share/network/", {"network": "mastodon"})

    assert intent_of(first).startswith("https://social.example/share?")
    assert intent_of(again).startswith("https://social.example/share?")
    assert 'value="social.example"' in section.content.decode()


def test_refused_text_gets_an_explanation_not_a_redirect(member_client, post, organization):
    ComplianceRuleFactory(organization=organization, value="guaranteed")

    response = member_client.post(
        f"/feed/{post.pk}/share/open/", {"network": "x", "text": "guaranteed"}
    )

    assert response.status_code == 400
    assert "could not be shared" in response.content.decode()


def test_posts_outside_the_members_feed_cannot_be_shared(member_client, organization):
    draft = PostFactory(organization=organization, state=PostState.DRAFT, link_url=LINK)

    assert member_client.get(f"/feed/{draft.pk}/share/").status_code == 404
    response = member_client.post(f"/feed/{draft.pk}/share/open/", {"network": "x", "text": "Hi"})
    assert response.status_code == 404
    assert not Share.objects.exists()


def test_status_offers_done_and_undo_after_opening(member_client, post):
    member_client.post(f"/feed/{post.pk}/share/open/", {"network": "x", "text": "Hi"})
    share = Share.objects.get()

    html = member_client.get(f"/feed/{post.pk}/share/status/", {"network": "x"}).content.decode()
    assert f"/shares/{share.pk}/done/" in html and f"/shares/{share.pk}/undo/" in html

    done = member_client.post(f"/shares/{share.pk}/done/", headers={"HX-Request": "true"})
    assert "Thank you" in done.content.decode()
    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED
