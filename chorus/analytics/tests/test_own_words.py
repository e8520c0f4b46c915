"""Own words in analytics: the share of a post's (and a campaign's) shares whose text
differs from the caption offered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.analytics.selectors import words
from chorus.analytics.selectors.filters import Filters
from chorus.content.models import PostState
from chorus.factories import GroupFactory, MembershipFactory, PostFactory, ShareFactory
from chorus.sharing.models import ShareStatus

pytestmark = pytest.mark.django_db


def shares(post: Any, *edited: bool | None, status: str = ShareStatus.SHARED) -> None:
    for flag in edited:
        ShareFactory(
            membership=MembershipFactory(organization=post.organization),
            post=post,
            status=status,
            caption_edited=flag,
        )


def this_week() -> Filters:
    today = timezone.localdate()
    return Filters(date_from=today - timedelta(days=6), date_to=today)


def test_own_words_counts_edited_texts_among_shares_whose_edit_is_known(organization):
    post = PostFactory(organization=organization, state=PostState.LIVE)
    shares(post, True, False, False, None)
    shares(post, True, status=ShareStatus.UNDONE)  # not a share any more
    found = words.post_own_words(organization=organization, post_id=post.pk)
    assert (found.edited, found.shares, found.percent) == (1, 3, 33)
    empty = PostFactory(organization=organization)
    assert words.post_own_words(organization=organization, post_id=empty.pk).percent is None


def test_own_words_by_campaign_and_by_post(organization):
    spring = PostFactory(organization=organization, campaign="Spring")
    spring_too = PostFactory(organization=organization, campaign="Spring")
    autumn = PostFactory(organization=organization, campaign="Autumn")
    shares(spring, True, False)
    shares(spring_too, True, True)
    shares(autumn, False)
    shares(PostFactory(), True)  # another organization's
    rows = words.own_words_by_campaign(organization=organization, filters=this_week())
    assert [(row.campaign, row.words.edited, row.words.shares) for row in rows] == [
        ("Spring", 3, 4),
        ("Autumn", 0, 1),
    ]
    by_post = words.own_words_by_post(organization=organization, post_ids=[spring.pk, autumn.pk])
    assert by_post[spring.pk].percent == 50 and by_post[autumn.pk].percent == 0


def test_the_post_page_and_the_dashboard_show_own_words(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    post = PostFactory(organization=organization, campaign="Spring", title="Launch")
    shares(post, True, False, False, False)
    client.force_login(curator.user)
    page = client.get(reverse("analytics_post", kwargs={"post_id": post.pk})).content.decode()
    assert "<strong>25%</strong>" in page and "1 of 4 shares" in page
    dashboard = client.get(reverse("analytics_dashboard")).content.decode()
    assert "Own words by campaign" in dashboard
    table = dashboard.split('id="campaign-words-title"')[1].split("</table>")[0]
    assert "Spring" in table and "25%" in table


def test_the_posts_export_has_an_own_words_column(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    post = PostFactory(organization=organization, title="Launch")
    shares(post, True, False)
    client.force_login(curator.user)
    response = client.get(reverse("analytics_export"), {"table": "posts", "format": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0].endswith(",own words %")


def test_own_words_respect_the_group_filter_like_the_other_figures(client, organization):
    post = PostFactory(organization=organization, campaign="Spring", title="Launch")
    sales = GroupFactory(organization=organization, name="Sales")
    for edited in (True, True, False):  # two of three in the group's own words
        member = MembershipFactory(organization=organization)
        sales.members.add(member)
        ShareFactory(membership=member, post=post, status=ShareStatus.SHARED, caption_edited=edited)
    shares(post, False, False, False, False, False)  # outside the group
    week = this_week()
    in_sales = Filters(date_from=week.date_from, date_to=week.date_to, group_id=sales.pk)
    by_post = words.own_words_by_post(organization=organization, post_ids=[post.pk], filters=week)
    assert (by_post[post.pk].edited, by_post[post.pk].shares) == (2, 8)
    by_post = words.own_words_by_post(
        organization=organization, post_ids=[post.pk], filters=in_sales
    )
    assert (by_post[post.pk].edited, by_post[post.pk].shares) == (2, 3)
    [row] = words.own_words_by_campaign(organization=organization, filters=in_sales)
    assert (row.words.edited, row.words.shares) == (2, 3)
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    page = client.get(reverse("analytics_dashboard"), {"group": sales.pk}).content.decode()
    table = page.split('id="campaign-words-title"')[1].split("</table>")[0]
    assert "67%" in table and "25%" not in table
