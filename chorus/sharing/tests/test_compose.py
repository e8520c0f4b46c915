"""The suggested text of a share and the verdict on what the member wrote."""

from __future__ import annotations

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, CaptionMode, PostState, RuleAction, RuleKind
from chorus.factories import ComplianceRuleFactory, MembershipFactory, PostFactory
from chorus.links.models import Link
from chorus.links.services.links import short_url
from chorus.sharing.compose import share_check, share_compose

LINK = "https://acme.example/news/launch"


@pytest.fixture
def member(organization):
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def post(organization):
    post = PostFactory(organization=organization, link_url=LINK, state=PostState.LIVE)
    Caption.objects.create(post=post, network="x", text=f"We launched! {LINK} #launch")
    Caption.objects.create(post=post, network="linkedin", text="A long story about our launch.")
    return post


def test_compose_replaces_the_posts_link_with_the_members_tracked_link(post, member):
    text, link = share_compose(post=post, membership=member, network="x")

    assert link is not None and link.membership == member and link.network == "x"
    assert text == f"We launched! {short_url(link)} #launch"
    assert LINK not in text


def test_compose_appends_the_tracked_link_when_the_caption_has_none(post, member):
    text, link = share_compose(post=post, membership=member, network="linkedin")

    assert link is not None
    assert text == f"A long story about our launch.\n\n{short_url(link)}"


def test_compose_mints_one_link_per_network_and_reuses_it(post, member):
    _, first = share_compose(post=post, membership=member, network="x")
    _, again = share_compose(post=post, membership=member, network="x")
    _, other = share_compose(post=post, membership=member, network="linkedin")

    assert first == again
    assert other != first
    assert Link.objects.filter(post=post, membership=member).count() == 2


def test_compose_for_a_free_caption_offers_only_the_link(organization, member):
    post = PostFactory(
        organization=organization,
        link_url=LINK,
        caption_mode=CaptionMode.FREE,
        state=PostState.LIVE,
    )
    Caption.objects.create(post=post, network="x", text="Ignored in free mode")

    text, link = share_compose(post=post, membership=member, network="x")

    assert link is not None
    assert text == short_url(link)


def test_compose_without_a_link_gives_the_caption_alone(organization, member):
    post = PostFactory(organization=organization, link_url="", state=PostState.LIVE)
    Caption.objects.create(post=post, network="bluesky", text="Just words")

    assert share_compose(post=post, membership=member, network="bluesky") == ("Just words", None)


def test_compose_appends_the_organizations_automatic_disclosure(post, member, organization):
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.DISCLOSURE, value="#employee", auto_append=True
    )

    text, _ = share_compose(post=post, membership=member, network="x")

    assert text.endswith(" #employee")


def test_check_counts_x_links_as_23_weighted_characters(post):
    text = "a" * 250 + " https://example.com/" + "x" * 200

    verdict = share_check(post=post, network="x", text=text)

    assert verdict.length == 250 + 1 + 23
    assert not verdict.blocked


def test_check_blocks_text_over_the_networks_limit_counted_its_way(post):
    text = "é" * 290  # 290 characters: fine for LinkedIn, too long for X

    assert share_check(post=post, network="linkedin", text=text).blocked is False
    verdict = share_check(post=post, network="x", text=text)
    assert verdict.blocked
    assert verdict.limit == 280
    assert "Too long for X" in verdict.messages[0]


def test_check_reports_blocked_terms_and_missing_disclosures(post, organization):
    ComplianceRuleFactory(organization=organization, value="guaranteed")
    ComplianceRuleFactory(organization=organization, kind=RuleKind.DISCLOSURE, value="#ad")

    verdict = share_check(post=post, network="x", text="Returns GUARANTEED")

    assert verdict.blocked
    assert [f.rule for f in verdict.findings] == ["blocked_term", "disclosure"]


def test_check_does_not_hold_the_tracked_links_own_domain_against_it(post, member, organization):
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.ALLOWED_DOMAIN, value="acme.example"
    )
    text, _ = share_compose(post=post, membership=member, network="x")

    assert share_check(post=post, network="x", text=text).findings == []
    foreign = share_check(post=post, network="x", text="see https://evil.example/x")
    assert [f.rule for f in foreign.findings] == ["allowed_domain"]


def test_check_of_a_warning_rule_warns_without_blocking(post, organization):
    ComplianceRuleFactory(organization=organization, value="soon", action=RuleAction.WARN)

    verdict = share_check(post=post, network="x", text="More soon")

    assert not verdict.blocked
    assert len(verdict.findings) == 1


def test_locked_caption_accepts_the_suggestion_with_the_tracked_link(post, member):
    post.caption_mode = CaptionMode.LOCKED
    post.save()
    text, _ = share_compose(post=post, membership=member, network="x")

    assert share_check(post=post, network="x", text=text).blocked is False


def test_locked_caption_refuses_edited_text(post, member):
    post.caption_mode = CaptionMode.LOCKED
    post.save()
    text, _ = share_compose(post=post, membership=member, network="x")

    verdict = share_check(post=post, network="x", text=text.replace("launched", "shipped"))

    assert verdict.blocked and verdict.locked_changed
    assert verdict.messages[0].startswith("This post's caption is locked")


def test_editable_caption_accepts_edited_text(post, member):
    text, _ = share_compose(post=post, membership=member, network="x")

    assert share_check(post=post, network="x", text="My own words " + text).blocked is False
