"""The member's feed: what it holds, in which order, filters, paging and its query budget."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chorus.accounts.models import GroupKind, ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import GroupFactory, MembershipFactory, PostFactory, TopicFactory
from chorus.sharing.models import PostView, Share, ShareMethod, ShareStatus
from chorus.sharing.selectors.feed import feed_page, feed_posts
from chorus.sharing.services.feed import post_views_record


@pytest.fixture
def member(organization):
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


def live(organization, **fields):
    fields.setdefault("state", PostState.LIVE)
    return PostFactory(organization=organization, **fields)


def titles(organization, member, **options):
    page = feed_page(organization=organization, membership=member, **options)
    return [card.post.title for card in page.cards]


def test_feed_holds_only_live_posts_inside_their_window(organization, member):
    now = timezone.now()
    live(organization, title="live")
    live(organization, title="window open", publish_start=now - timedelta(hours=1))
    live(organization, title="not yet", publish_start=now + timedelta(hours=1))
    live(
        organization,
        title="window closed",
        publish_start=now - timedelta(days=2),
        publish_end=now - timedelta(days=1),
    )
    live(organization, title="draft", state=PostState.DRAFT)
    live(organization, title="archived", state=PostState.ARCHIVED)
    live(MembershipFactory().organization, title="other organization")

    assert sorted(titles(organization, member)) == ["live", "window open"]


def test_targeting_is_or_within_a_kind_and_and_across_kinds(organization, member):
    sales = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    legal = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Legal")
    berlin = GroupFactory(organization=organization, kind=GroupKind.REGION, name="Berlin")
    paris = GroupFactory(organization=organization, kind=GroupKind.REGION, name="Paris")
    german = GroupFactory(organization=organization, kind=GroupKind.LANGUAGE, name="German")
    sales.members.add(member)
    berlin.members.add(member)

    def targeted(title, *groups):
        post = live(organization, title=title, target_all=False)
        post.target_groups.set(groups)

    live(organization, title="everyone")
    targeted("sales or legal", sales, legal)
    targeted("sales and berlin", sales, berlin)
    targeted("sales and paris", sales, paris)
    targeted("legal", legal)
    targeted("sales and german", sales, german)
    targeted("nobody")  # not target_all and no groups: nobody, as in the post's audience

    assert sorted(titles(organization, member)) == [
        "everyone",
        "sales and berlin",
        "sales or legal",
    ]


def test_feed_agrees_with_the_posts_audience(organization):
    """The member's side of targeting matches the curator's reach count for every post."""
    from chorus.content.selectors.posts import post_audience

    groups = [
        GroupFactory(organization=organization, kind=kind, name=f"{kind}{n}")
        for kind in (GroupKind.DEPARTMENT, GroupKind.REGION, GroupKind.LANGUAGE)
        for n in range(2)
    ]
    members = [
        MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
        for _ in range(6)
    ]
    for index, member in enumerate(members):
        member.groups.set(groups[index % 2 :: 2][: 1 + index % 3])
    posts = []
    for index in range(8):
        post = live(organization, target_all=False)
        post.target_groups.set(groups[index % 3 :: 3 - index % 2][: 1 + index % 3])
        posts.append(post)
    for post in posts:
        reached = set(post_audience(post).values_list("pk", flat=True))
        seen_by = {
            member.pk
            for member in members
            if feed_posts(organization=organization, membership=member).filter(pk=post.pk).exists()
        }
        assert seen_by == reached & {m.pk for m in members}, post.title


def test_post_of_the_day_first_then_unseen_then_seen_newest_first(organization, member):
    now = timezone.now()
    seen_new = live(organization, title="seen new", publish_start=now - timedelta(hours=1))
    live(organization, title="unseen old", publish_start=now - timedelta(days=3))
    live(organization, title="unseen new", publish_start=now - timedelta(hours=2))
    seen_old = live(organization, title="seen old", publish_start=now - timedelta(days=4))
    live(
        organization,
        title="of the day",
        publish_start=now - timedelta(days=5),
        post_of_the_day=timezone.localdate(),
    )
    live(
        organization,
        title="yesterday's of the day",
        publish_start=now - timedelta(days=6),
        post_of_the_day=timezone.localdate() - timedelta(days=1),
    )
    for post in (seen_new, seen_old):
        PostView.objects.create(organization=organization, membership=member, post=post)

    assert titles(organization, member) == [
        "of the day",
        "unseen new",
        "unseen old",
        "yesterday's of the day",
        "seen new",
        "seen old",
    ]


def test_filters_by_topic_and_language(organization, member):
    climate = TopicFactory(organization=organization, name="Climate")
    german = GroupFactory(organization=organization, kind=GroupKind.LANGUAGE, name="German")
    german.members.add(member)
    tagged = live(organization, title="climate")
    tagged.topics.add(climate)
    in_german = live(organization, title="german", target_all=False)
    in_german.target_groups.add(german)
    live(organization, title="other")

    assert titles(organization, member, topic_id=climate.pk) == ["climate"]
    assert titles(organization, member, language_id=german.pk) == ["german"]


def test_cards_say_where_the_member_shared_and_where_they_only_opened(organization, member):
    post = live(organization, title="shared")
    for network, status in [
        ("x", ShareStatus.SHARED),
        ("linkedin", ShareStatus.OPENED),
        ("mastodon", ShareStatus.UNDONE),
        ("bluesky", ShareStatus.OPENED),
        ("bluesky", ShareStatus.SHARED),  # opened again after a confirmed share: shared
    ]:
        Share.objects.create(
            organization=organization,
            membership=member,
            post=post,
            network=network,
            method=ShareMethod.INTENT,
            status=status,
            text="t",
        )

    card = feed_page(organization=organization, membership=member).cards[0]

    assert card.shared_on == ["X", "Bluesky"]
    assert card.opened_on == ["LinkedIn"]


def test_the_feed_page_says_opened_not_shared_for_an_unconfirmed_share(
    member_client, organization, member
):
    post = live(organization, title="Opened only")
    for network, status in [("x", ShareStatus.OPENED), ("linkedin", ShareStatus.SHARED)]:
        Share.objects.create(
            organization=organization,
            membership=member,
            post=post,
            network=network,
            method=ShareMethod.INTENT,
            status=status,
            text="t",
        )

    html = member_client.get("/feed/").content.decode()
    text = re.sub(r"<[^>]+>", "", html)

    assert re.search(r"Shared on LinkedIn\s", text)
    assert "Opened on X, not confirmed yet" in text
    assert "Shared on LinkedIn, X" not in text
    # Each network's logo beside its name (the name is the text screen readers read).
    assert '<use href="/static/vendor/icons.svg#network-linkedin">' in html
    assert '<span class="network-mark"><svg class="icon" aria-hidden="true"' in html


def test_feed_page_shows_cards_and_records_views(member_client, organization, member):
    post = live(
        organization,
        title="Launch",
        link_url="https://acme.example/launch",
        preview_title="We launched",
        preview_site_name="Acme blog",
    )
    Caption.objects.create(post=post, network="linkedin", text="Proud of the team")

    response = member_client.get("/feed/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Launch" in html and "We launched" in html and "Acme blog" in html
    assert "Proud of the team" in html
    assert f"/feed/{post.pk}/share/" in html
    assert PostView.objects.filter(membership=member, post=post).exists()


def test_members_who_left_see_no_feed_and_are_asked_to_rejoin(client, organization):
    left = MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)
    live(organization, title="Secret plan")
    client.force_login(left.user)

    response = client.get("/feed/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Secret plan" not in html
    assert "Rejoin the program" in html and "/program/" in html
    assert not PostView.objects.exists()


def test_more_loads_the_next_page_without_reshuffling_what_was_seen(
    member_client, organization, member
):
    now = timezone.now()
    for index in range(25):
        live(organization, title=f"post {index:02}", publish_start=now - timedelta(minutes=index))

    first = member_client.get("/feed/")
    assert first.content.decode().count('class="card feed-card') == 20
    more = first.context["as_of"]

    # Page one is now seen; page two must still be the next 5, not page one again.
    second = member_client.get("/feed/", {"page": 2, "as_of": more}, headers={"HX-Request": "true"})

    html = second.content.decode()
    assert "<h1>" not in html  # a fragment for htmx
    assert [f"post {index:02}" in html for index in range(25)] == [False] * 20 + [True] * 5
    assert "feed-more" not in html


def feed_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/feed/")
    assert response.status_code == 200
    return len(captured)


def test_feed_costs_a_bounded_number_of_queries(member_client, organization, member):
    topic = TopicFactory(organization=organization)
    group = GroupFactory(organization=organization, kind=GroupKind.REGION)
    group.members.add(member)

    def add_posts(count):
        for _ in range(count):
            post = live(organization, link_url="https://acme.example/a")
            post.topics.add(topic)
            Caption.objects.create(post=post, network="x", text="hello")
            Share.objects.create(
                organization=organization,
                membership=member,
                post=post,
                network="x",
                method=ShareMethod.INTENT,
                status=ShareStatus.SHARED,
                text="t",
            )

    add_posts(3)
    feed_queries(member_client)  # the first request of a session does more (once)
    small = feed_queries(member_client)
    add_posts(30)
    # Unseen cards come first: two pages hold new posts, and record their views.
    with_new_posts = [feed_queries(member_client) for _ in range(2)]
    large = feed_queries(member_client)

    assert small == large
    # At most the insert of the new views and one more run (unseen, then seen) on top.
    assert max(with_new_posts) <= large + 2
    assert large <= 15  # one of them reads the organization's gates (training)


def test_a_feed_read_again_writes_only_the_views_of_new_posts(member_client, organization, member):
    old = live(organization, title="old")
    member_client.get("/feed/")
    first_seen = PostView.objects.get(membership=member, post=old).seen_at

    with CaptureQueriesContext(connection) as again:
        member_client.get("/feed/")
    assert [query["sql"] for query in again if "INSERT" in query["sql"]] == []

    new = live(organization, title="new")
    member_client.get("/feed/")
    assert PostView.objects.filter(membership=member, post=new).exists()
    assert PostView.objects.get(membership=member, post=old).seen_at == first_seen


def test_pages_run_through_the_post_of_the_day_then_unseen_then_seen_newest_first(
    organization, member
):
    now = timezone.now()
    posts = [
        live(organization, title=f"post {index:02}", publish_start=now - timedelta(hours=index))
        for index in range(47)
    ]
    day = posts[30]
    day.post_of_the_day = timezone.localdate()
    day.save()
    earlier = now - timedelta(minutes=1)
    PostView.objects.bulk_create(
        PostView(organization=organization, membership=member, post=post, seen_at=earlier)
        for post in posts[::2]
    )
    seen = {post.pk for post in posts[::2]}
    expected = [day.title] + [
        post.title
        for run in (False, True)
        for post in posts
        if post is not day and (post.pk in seen) is run
    ]

    pages = [titles(organization, member, page=page, page_size=7) for page in range(1, 9)]

    assert [title for page in pages for title in page] == expected
    assert pages[-1] == []


def test_recording_views_keeps_the_first_and_stores_times_the_feed_compares(organization, member):
    first, second = live(organization), live(organization)
    before = timezone.now()
    post_views_record(membership=member, post_ids=[first.pk, first.pk])
    kept = PostView.objects.get(membership=member, post=first).seen_at

    post_views_record(membership=member, post_ids=[first.pk, second.pk])

    views = dict(PostView.objects.filter(membership=member).values_list("post_id", "seen_at"))
    assert views[first.pk] == kept and before <= kept <= views[second.pk] <= timezone.now()
    assert PostView.objects.filter(membership=member, organization=organization).count() == 2
    page = feed_page(organization=organization, membership=member)
    assert [card.seen for card in page.cards] == [True, True]


def test_the_feed_offers_the_organizations_topics_and_languages_to_filter_by(
    member_client, organization
):
    TopicFactory(organization=organization, name="Sustainability")
    TopicFactory(organization=organization, name="careers")
    TopicFactory(organization=MembershipFactory().organization, name="Elsewhere")
    french = GroupFactory(organization=organization, kind=GroupKind.LANGUAGE, name="French")
    GroupFactory(organization=organization, kind=GroupKind.LANGUAGE, name="English")
    GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")

    response = member_client.get("/feed/", {"language": french.pk})

    topics, languages = response.context["topics"], response.context["languages"]
    assert [topic.name for topic in topics] == ["careers", "Sustainability"]
    assert [language.name for language in languages] == ["English", "French"]
    assert f'<option value="{french.pk}" selected>French</option>' in response.content.decode()
