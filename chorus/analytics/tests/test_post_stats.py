"""A post's page: members reached → shares → clicks → engagement, per network."""

from __future__ import annotations

from typing import Any

import pytest

from chorus.analytics.selectors import posts as post_selectors
from chorus.analytics.tests.test_dashboard import build_world
from chorus.factories import GroupFactory, PostFactory


@pytest.fixture
def world(organization: Any) -> Any:
    return build_world(organization)


def test_post_funnel_counts_every_day_of_the_post_per_network(world):
    funnel = post_selectors.post_funnel(organization=world.organization, post=world.launch)
    # Everyone (7 active members) is the audience of a post for all.
    assert funnel.reached == 7
    # Bob on LinkedIn (10 March, 15 February), Cleo on X, the post's own link.
    assert (funnel.shares, funnel.clicks, funnel.engagement) == (4, 113, 23)
    assert [(row.key, row.shares, row.clicks, row.engagement) for row in funnel.networks] == [
        ("linkedin", 3, 93, 18),
        ("x", 1, 20, 5),
    ]


def test_members_reached_is_the_posts_audience(world):
    post = PostFactory(organization=world.organization, target_all=False)
    post.target_groups.set([world.sales])
    assert post_selectors.post_funnel(organization=world.organization, post=post).reached == 5
    post.target_groups.set([GroupFactory(organization=world.organization)])
    assert post_selectors.post_funnel(organization=world.organization, post=post).reached == 0


def test_post_page_shows_the_funnel(client, world):
    client.force_login(world.ada.user)
    response = client.get(f"/analytics/posts/{world.launch.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="post-reached">7<' in page
    assert 'id="post-clicks">113<' in page
    assert 'id="post-engagement">23<' in page


def test_post_page_is_for_analysts_and_foreign_posts_are_404(client, world):
    client.force_login(world.bob.user)
    assert client.get(f"/analytics/posts/{world.launch.pk}/").status_code == 403
    client.force_login(world.ada.user)
    foreign = PostFactory()
    assert client.get(f"/analytics/posts/{foreign.pk}/").status_code == 404
    assert client.get(f"/analytics/posts/{foreign.pk}/export/").status_code == 404


def test_opened_shares_are_told_apart_from_confirmed_shares(client, world):
    from chorus.factories import ShareFactory
    from chorus.sharing.models import ShareMethod, ShareStatus

    for member, network, status in [
        (world.bob, "x", ShareStatus.OPENED),
        (world.ada, "x", ShareStatus.OPENED),
        (world.ada, "mastodon", ShareStatus.OPENED),
        (world.bob, "mastodon", ShareStatus.UNDONE),
    ]:
        ShareFactory(
            membership=member,
            post=world.launch,
            network=network,
            method=ShareMethod.INTENT,
            status=status,
        )
    ShareFactory(membership=world.bob, network="x", status=ShareStatus.OPENED)  # another post

    funnel = post_selectors.post_funnel(organization=world.organization, post=world.launch)

    assert funnel.shares == 4  # confirmed shares only, as before
    assert funnel.opened == 3
    assert funnel.opened_by_network == (("X", 2), ("Mastodon", 1))
    client.force_login(world.ada.user)
    page = client.get(f"/analytics/posts/{world.launch.pk}/").content.decode()
    assert 'id="post-shares">4<' in page
    assert "and 3 share pages opened, not confirmed yet" in page
    assert "X 2, Mastodon 1" in page
    # The API says the same: opened pages apart from shares, by network key.
    from chorus.analytics.tests.test_api import call

    stats = call(client, world.ada, f"/analytics/posts/{world.launch.pk}").json()
    assert (stats["shares"], stats["opened"]) == (4, 3)
    assert stats["opened_by_network"] == {"x": 2, "mastodon": 1}
