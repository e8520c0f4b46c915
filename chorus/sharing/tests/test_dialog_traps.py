"""The share dialog says what will happen: a refused text cannot be opened, a missing
tracked link is pointed out, and every network starts from a real caption."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, CaptionMode, ContentPolicy, PostState, RuleKind
from chorus.factories import ComplianceRuleFactory, MembershipFactory, PostFactory
from chorus.links.models import Link
from chorus.links.services.links import short_url
from chorus.sharing.compose import share_check, share_compose, suggested_caption
from chorus.sharing.models import Share

LINK = "https://acme.example/news/launch"
GENERAL = "Our launch story, told by the people who built it."


@pytest.fixture
def member(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def member_client(client: Any, member: Any) -> Any:
    client.force_login(member.user)
    return client


@pytest.fixture
def post(organization: Any) -> Any:
    post: Any = PostFactory(organization=organization, state=PostState.LIVE, link_url=LINK)
    Caption.objects.create(post=post, network="linkedin", text=GENERAL)
    Caption.objects.create(post=post, network="x", text=f"We launched! {LINK}")
    return post


def open_button(html: str, network: str) -> str:
    found = re.search(rf'<div class="share-open-action" id="open-{network}".*?</div>', html, re.S)
    assert found is not None, html
    return found.group(0)


# A network without its own caption


def test_a_network_without_its_own_caption_starts_from_the_general_caption(post, member):
    text, link = share_compose(post=post, membership=member, network="mastodon")

    assert link is not None
    assert text == f"{GENERAL}\n\n{short_url(link)}"


def test_the_borrowed_caption_is_one_that_fits_the_network(organization):
    post = PostFactory(organization=organization, state=PostState.LIVE, link_url=LINK)
    Caption.objects.create(post=post, network="linkedin", text="A long story. " * 40)  # 560
    Caption.objects.create(post=post, network="x", text="Short and sweet.")

    assert suggested_caption(post=post, network="bluesky") == "Short and sweet."
    assert suggested_caption(post=post, network="facebook").startswith("A long story.")


def test_a_free_post_still_suggests_only_the_link(organization, member):
    post = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        link_url=LINK,
        caption_mode=CaptionMode.FREE,
    )
    Caption.objects.create(post=post, network="linkedin", text=GENERAL)

    text, link = share_compose(post=post, membership=member, network="mastodon")

    assert link is not None and text == short_url(link)


def test_the_dialog_fills_mastodon_with_the_general_caption(member_client, post):
    html = member_client.get(f"/feed/{post.pk}/share/network/?network=mastodon").content.decode()

    assert GENERAL in html
    assert "Passes the rules." in html


# The tracked link taken out of the text


def test_the_verdict_knows_when_the_tracked_link_is_missing(post, member):
    text, link = share_compose(post=post, membership=member, network="x")
    assert link is not None
    tracked = short_url(link)

    kept = share_check(post=post, network="x", text=text, tracked_url=tracked)
    removed = share_check(post=post, network="x", text="We launched!", tracked_url=tracked)

    assert kept.link_missing is False
    assert removed.link_missing is True and removed.blocked is False
    assert share_check(post=post, network="x", text="We launched!").link_missing is False


def test_deleting_the_tracked_link_warns_and_offers_to_put_it_back(member_client, post, member):
    member_client.get(f"/feed/{post.pk}/share/network/?network=x")
    link = Link.objects.get(post=post, membership=member, network="x")

    html = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "x", "text": "We launched!"}
    ).content.decode()

    assert "Your tracked link is missing" in html
    assert "Passes the rules." not in html
    assert f'data-restore-link="{short_url(link)}"' in html
    assert 'data-restore-field="#text-x"' in html
    assert f'data-replace-link="{LINK}"' in html
    assert "disabled" not in open_button(html, "x")  # a warning, not a refusal


def test_with_the_tracked_link_in_place_there_is_no_warning(member_client, post, member):
    text, _link = share_compose(post=post, membership=member, network="x")

    html = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "x", "text": text}
    ).content.decode()

    assert "Passes the rules." in html
    assert "Your tracked link is missing" not in html


# A text that cannot be shared as it is


def test_a_refused_text_disables_the_network_button_with_the_reason(
    member_client, post, organization
):
    ComplianceRuleFactory(organization=organization, value="guaranteed")

    html = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "x", "text": "Returns guaranteed!"}
    ).content.decode()

    assert "Cannot be shared as it is" in html
    button = open_button(html, "x")
    assert 'hx-swap-oob="true"' in button  # it replaces the dialog's button as one types
    assert re.search(r"<button[^>]*\bdisabled\b[^>]*>Open X</button>", button)
    assert 'aria-describedby="open-reason-x"' in button
    assert 'id="open-reason-x"' in button and "Change what blocks it above to open X." in button


def test_the_dialog_opens_with_the_button_disabled_when_the_suggestion_is_refused(
    member_client, post, organization
):
    # A rule added after the caption was written: the suggestion itself is refused.
    ComplianceRuleFactory(organization=organization, value="launched")

    html = member_client.get(f"/feed/{post.pk}/share/network/?network=x").content.decode()

    assert re.search(r"<button[^>]*\bdisabled\b[^>]*>Open X</button>", open_button(html, "x"))
    assert "hx-swap-oob" not in open_button(html, "x")


def test_a_text_that_passes_leaves_the_button_enabled(member_client, post):
    html = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "x", "text": "All good"}
    ).content.decode()

    button = open_button(html, "x")
    assert "Open X</button>" in button and "disabled" not in button


def test_where_refused_texts_go_to_an_approver_the_button_says_so(
    member_client, post, organization
):
    ComplianceRuleFactory(organization=organization, value="guaranteed")
    ContentPolicy.objects.update_or_create(
        organization=organization, defaults={"route_edited_captions_to_approver": True}
    )

    html = member_client.post(
        f"/feed/{post.pk}/share/check/", {"network": "x", "text": "Returns guaranteed!"}
    ).content.decode()

    button = open_button(html, "x")
    assert "Send to an approver</button>" in button and "disabled" not in button
    assert 'formtarget="_self"' in button


def test_the_server_still_refuses_a_blocked_text(member_client, post, organization):
    ComplianceRuleFactory(organization=organization, value="guaranteed")

    response = member_client.post(
        f"/feed/{post.pk}/share/open/", {"network": "x", "text": "Returns guaranteed!"}
    )

    assert response.status_code == 400
    assert not Share.objects.exists()


def test_checking_needs_a_known_network_and_a_post_of_ones_own_organization(
    member_client, post, organization
):
    from chorus.factories import OrganizationFactory

    foreign = PostFactory(
        organization=OrganizationFactory(slug="globex"), state=PostState.LIVE, link_url=LINK
    )

    unknown = member_client.post(f"/feed/{post.pk}/share/check/", {"network": "myspace"})
    elsewhere = member_client.post(f"/feed/{foreign.pk}/share/check/", {"network": "x"})

    assert unknown.status_code == 400 and b"Choose a network." in unknown.content
    assert elsewhere.status_code == 404


# The post editor's counters


def test_every_caption_field_of_the_post_editor_has_its_counter(client, organization):
    from chorus.content.compliance import NETWORK_LIMITS
    from chorus.content.models import Network

    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    post = PostFactory(organization=organization, link_url=LINK)
    Caption.objects.create(post=post, network="threads", text="Threads words")
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.DISCLOSURE, value="#ad", auto_append=True
    )

    for page in ("/manage/posts/new/", f"/manage/posts/{post.pk}/edit/"):
        html = client.get(page).content.decode()
        for network in Network.values:
            pattern = rf'<div id="verdict-{network}" class="verdict-slot".*?</div>'
            slot = re.search(pattern, html, re.S)
            assert slot is not None, (page, network)
            assert f" / {NETWORK_LIMITS[network]}</small>" in slot.group(0), (page, network)

    html = client.get(f"/manage/posts/{post.pk}/edit/").content.decode()
    threads = re.search(r'<div id="verdict-threads".*?</div>', html, re.S)
    assert threads is not None and ">17 / 500</small>" in threads.group(0)  # "Threads words #ad"


def test_every_channel_of_the_share_dialog_has_its_counter(member_client, post):
    from chorus.networks.registry import CHANNELS

    assert len(CHANNELS) == 9
    for network in CHANNELS:
        response = member_client.get(f"/feed/{post.pk}/share/network/?network={network}")
        html = response.content.decode()
        assert response.status_code == 200, network
        assert re.search(r'<span class="share-length">\d+</span> / \d+</p>', html), network
