"""Topics members follow: what they say they care about, first in their feed; the curators'
figures of each topic; the pages and the API to follow and unfollow."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.accounts.services.tokens import api_token_create
from chorus.content.models import Post, PostState
from chorus.sharing.models import PostView, ShareStatus, TopicFollow
from chorus.sharing.selectors.feed import feed_page
from chorus.sharing.selectors.topics import followed_topic_ids, topic_choices, topic_figures
from chorus.sharing.services.feed import post_views_record
from chorus.sharing.services.topics import topic_follow, topic_follows_set, topic_unfollow

# The factories build model instances; typed as such for mypy.
MembershipFactory: Any = factories.MembershipFactory
OrganizationFactory: Any = factories.OrganizationFactory
PostFactory: Any = factories.PostFactory
ShareFactory: Any = factories.ShareFactory
TopicFactory: Any = factories.TopicFactory


@pytest.fixture
def member(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def member_client(client: Any, member: Any) -> Any:
    client.force_login(member.user)
    return client


def live(organization: Any, title: str, minutes_ago: int, *topics: Any, **fields: Any) -> Any:
    post = PostFactory(
        organization=organization,
        title=title,
        state=PostState.LIVE,
        publish_start=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )
    post.topics.add(*topics)
    return post


def titles(organization: Any, member: Any, **options: Any) -> list[str]:
    page = feed_page(organization=organization, membership=member, **options)
    return [card.post.title for card in page.cards]


def test_following_is_per_member_idempotent_and_undone(organization: Any, member: Any) -> None:
    climate, hiring = (
        TopicFactory(organization=organization),
        TopicFactory(organization=organization),
    )
    other = MembershipFactory(organization=organization)

    topic_follow(membership=member, topic=climate)
    topic_follow(membership=member, topic=climate)
    topic_follow(membership=other, topic=hiring)

    assert followed_topic_ids(membership=member) == [climate.pk]
    topic_unfollow(membership=member, topic=climate)
    topic_unfollow(membership=member, topic=climate)
    assert followed_topic_ids(membership=member) == []
    assert followed_topic_ids(membership=other) == [hiring.pk]


def test_a_member_cannot_follow_another_organizations_topic(member: Any) -> None:
    foreign = TopicFactory(organization=OrganizationFactory())
    with pytest.raises(ValueError):
        topic_follow(membership=member, topic=foreign)
    topic_follows_set(membership=member, topic_ids=[foreign.pk])
    assert not TopicFollow.objects.exists()


def test_setting_the_follows_keeps_exactly_the_ticked_topics(
    organization: Any, member: Any
) -> None:
    a, b, c = (TopicFactory(organization=organization, name=name) for name in "abc")
    topic_follows_set(membership=member, topic_ids=[a.pk, b.pk])
    topic_follows_set(membership=member, topic_ids=[b.pk, c.pk, 999999])

    assert followed_topic_ids(membership=member) == sorted([b.pk, c.pk])
    assert [
        (choice.name, choice.followed)
        for choice in topic_choices(organization=organization, membership=member)
    ] == [("a", False), ("b", True), ("c", True)]


def test_the_feed_puts_followed_topics_first_after_the_post_of_the_day(
    organization: Any, member: Any
) -> None:
    climate, hiring = (
        TopicFactory(organization=organization),
        TopicFactory(organization=organization),
    )
    live(organization, "newest, no topic", 1)
    live(organization, "hiring", 2, hiring)
    live(organization, "climate, seen", 3, climate)
    live(organization, "climate", 4, climate)
    live(organization, "day", 5, post_of_the_day=timezone.localdate())
    live(organization, "climate and hiring", 6, climate, hiring)
    live(organization, "oldest, no topic", 7)
    PostView.objects.create(
        organization=organization,
        membership=member,
        post=live(organization, "seen, no topic", 0),
        seen_at=timezone.now() - timedelta(hours=1),
    )
    PostView.objects.create(
        organization=organization,
        membership=member,
        post=Post.objects.get(title="climate, seen"),
        seen_at=timezone.now() - timedelta(hours=1),
    )
    today = [
        "day",
        "newest, no topic",
        "hiring",
        "climate",
        "climate and hiring",
        "oldest, no topic",
        "seen, no topic",
        "climate, seen",
    ]
    assert titles(organization, member) == today  # following nothing: today's order

    topic_follow(membership=member, topic=climate)

    assert titles(organization, member) == [
        "day",
        "climate",
        "climate and hiring",
        "climate, seen",
        "newest, no topic",
        "hiring",
        "oldest, no topic",
        "seen, no topic",
    ]


def test_pages_run_through_followed_topics_then_the_rest_without_gaps(
    organization: Any, member: Any
) -> None:
    topic = TopicFactory(organization=organization)
    posts = [
        live(organization, f"post {index:02}", index, *([topic] if index % 3 == 0 else []))
        for index in range(23)
    ]
    topic_follow(membership=member, topic=topic)
    matching = [post.title for post in posts if topic in post.topics.all()]
    expected = matching + [post.title for post in posts if post.title not in matching]

    pages = [titles(organization, member, page=page, page_size=4) for page in range(1, 8)]

    assert [title for page in pages for title in page] == expected
    assert pages[-1] == []


def feed_queries(client: Any, **params: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/feed/", params)
    assert response.status_code == 200
    return len(captured)


def test_following_topics_keeps_the_feeds_query_count_flat(
    member_client: Any, organization: Any, member: Any
) -> None:
    topics = [TopicFactory(organization=organization) for _ in range(3)]
    for index in range(3):
        live(organization, f"a {index}", index, topics[index % 3])
    feed_queries(member_client)  # the first request of a session does more (once)
    following_nothing = feed_queries(member_client)
    topic_follow(membership=member, topic=topics[0])
    small = feed_queries(member_client)
    new = [live(organization, f"b {index}", 10 + index, topics[index % 3]) for index in range(40)]
    # Seen, as the posts before them: no page has views to record.
    post_views_record(membership=member, post_ids=[post.pk for post in new])
    topic_follow(membership=member, topic=topics[1])
    large = feed_queries(member_client)

    # Following adds at most the two runs of followed posts (unseen, seen), and a larger
    # feed costs no more: a full page stops at the runs it needs.
    assert small <= following_nothing + 2
    assert large <= small
    with CaptureQueriesContext(connection) as captured:
        more = member_client.get("/feed/", {"page": 2}, headers={"HX-Request": "true"})
    assert more.status_code == 200
    # A later page also counts the runs it starts past (the post of the day, unseen).
    assert len(captured) <= large + 4


def test_the_feed_says_what_the_member_follows_and_lets_them_change_it(
    member_client: Any, organization: Any, member: Any
) -> None:
    climate = TopicFactory(organization=organization, name="Climate <b>")
    TopicFactory(organization=organization, name="Hiring")

    html = member_client.get("/feed/").content.decode()
    assert "You follow no topics" in html
    assert 'action="/feed/topics/"' in html

    response = member_client.post("/feed/topics/", {"topic": [str(climate.pk)], "next": "/feed/"})
    assert response.status_code == 302 and response["Location"] == "/feed/"
    html = member_client.get("/feed/").content.decode()
    assert "You follow: <strong>Climate &lt;b&gt;</strong>." in html

    filtered = member_client.get("/feed/", {"topic": climate.pk}).content.decode()
    assert "Unfollow Climate &lt;b&gt;" in filtered


def test_following_one_topic_from_the_feed_and_back(
    member_client: Any, organization: Any, member: Any
) -> None:
    topic = TopicFactory(organization=organization)
    url = f"/feed/topics/{topic.pk}/follow/"

    response = member_client.post(url, {"follow": "1", "next": f"/feed/?topic={topic.pk}"})
    assert response["Location"] == f"/feed/?topic={topic.pk}"
    assert followed_topic_ids(membership=member) == [topic.pk]

    response = member_client.post(url, {"follow": "0", "next": "https://evil.example/"})
    assert response["Location"] == "/feed/topics/"
    assert followed_topic_ids(membership=member) == []


def test_another_organizations_topic_is_not_found(member_client: Any) -> None:
    foreign = TopicFactory(organization=OrganizationFactory())
    response = member_client.post(f"/feed/topics/{foreign.pk}/follow/", {"follow": "1"})
    assert response.status_code == 404
    assert not TopicFollow.objects.exists()


def test_members_follow_topics_from_their_settings(
    member_client: Any, organization: Any, member: Any
) -> None:
    topic = TopicFactory(organization=organization, name="Product news")
    assert "Topics you follow" in member_client.get("/settings/").content.decode()

    member_client.post("/feed/topics/", {"topic": [str(topic.pk)], "next": "/settings/"})

    html = member_client.get("/settings/").content.decode()
    assert "You follow: <strong>Product news</strong>" in html
    member_client.post("/feed/topics/", {"next": "/settings/"})
    assert followed_topic_ids(membership=member) == []


def test_curators_see_followers_posts_and_recent_shares_of_each_topic(
    client: Any, organization: Any, member: Any
) -> None:
    climate = TopicFactory(organization=organization, name="Climate")
    hiring = TopicFactory(organization=organization, name="Hiring")
    quiet = TopicFactory(organization=organization, name="Quiet")
    left = MembershipFactory(organization=organization, is_active=False)
    for membership in (member, left):
        topic_follow(membership=membership, topic=climate)
    topic_follow(membership=member, topic=hiring)
    both = live(organization, "both", 1, climate, hiring)
    live(organization, "climate only", 2, climate)
    now = timezone.now()
    ShareFactory(membership=member, post=both, status=ShareStatus.SHARED, shared_at=now)
    ShareFactory(
        membership=member,
        post=both,
        status=ShareStatus.SHARED,
        shared_at=now - timedelta(days=31),
    )
    ShareFactory(membership=member, post=both, status=ShareStatus.OPENED)
    # Another organization's shares and follows never count.
    foreign_topic = TopicFactory(organization=OrganizationFactory(), name="Climate")
    foreign_member = MembershipFactory(organization=foreign_topic.organization)
    topic_follow(membership=foreign_member, topic=foreign_topic)

    figures = {
        row.name: (row.followers, row.posts, row.shares)
        for row in topic_figures(organization=organization)
    }
    assert figures == {"Climate": (1, 2, 1), "Hiring": (1, 1, 1), "Quiet": (0, 0, 0)}
    assert quiet.pk

    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    response = client.get("/manage/topics/")
    assert response.status_code == 200
    assert f'id="topic-{climate.pk}"' in response.content.decode()


def test_only_curators_see_the_topics_figures(member_client: Any) -> None:
    assert member_client.get("/manage/topics/").status_code == 403


def call(client: Any, member: Any, method: str, path: str) -> Any:
    _, secret = api_token_create(membership=member, name="test")
    return client.generic(method, "/api/v1" + path, headers={"Authorization": f"Bearer {secret}"})


def test_the_api_lists_topics_and_follows_and_unfollows_them(
    client: Any, organization: Any, member: Any
) -> None:
    topic = TopicFactory(organization=organization, name="Climate")
    foreign = TopicFactory(organization=OrganizationFactory())

    followed = call(client, member, "PUT", f"/topics/{topic.pk}/follow")
    assert followed.status_code == 200
    assert followed.json() == {"id": topic.pk, "name": "Climate", "following": True}
    assert call(client, member, "GET", "/topics").json() == [
        {"id": topic.pk, "name": "Climate", "following": True}
    ]
    assert call(client, member, "DELETE", f"/topics/{topic.pk}/follow").json()["following"] is False
    assert followed_topic_ids(membership=member) == []
    assert call(client, member, "PUT", f"/topics/{foreign.pk}/follow").status_code == 404
    assert json.loads(call(client, member, "GET", "/topics").content)[0]["following"] is False
