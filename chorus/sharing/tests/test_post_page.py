"""A member's page for one post: what it offers and what they did with it, for the
members it targets only; the feed card and post notifications lead to it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import GroupFactory, MembershipFactory, PostFactory, ShareFactory
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareMethod, ShareStatus
from chorus.sharing.services.review import share_review_reject

pytestmark = pytest.mark.django_db

LINK = "https://acme.example/news/launch"


@pytest.fixture
def member(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def member_client(client: Any, member: Any) -> Any:
    client.force_login(member.user)
    return client


@pytest.fixture
def post(organization: Any) -> Any:
    post: Any = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        title="Our launch <b>story</b>",
        commentary="Told by the people\nwho built it.",
        link_url=LINK,
        preview_title="Launch day",
        preview_site_name="Acme News",
    )
    Caption.objects.create(post=post, network="linkedin", text="We launched, and it shows.")
    Caption.objects.create(post=post, network="x", text="Launch day! #acme")
    return post


def page_of(client: Any, post: Any) -> Any:
    return client.get(reverse("feed_post", kwargs={"post_id": post.pk}))


def test_the_page_shows_the_post_its_captions_and_the_share_button(member_client, post):
    response = page_of(member_client, post)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Our launch &lt;b&gt;story&lt;/b&gt;" in page  # escaped
    assert "Told by the people<br>who built it." in page
    assert "Launch day" in page and "Acme News" in page
    assert "We launched, and it shows." in page
    assert "Launch day! #acme" in page
    assert reverse("share_dialog", kwargs={"post_id": post.pk}) in page
    assert "You have not shared this post yet." in page


def test_the_page_says_what_the_member_did_on_each_network(member_client, member, post):
    ShareFactory(
        membership=member,
        post=post,
        network="linkedin",
        method=ShareMethod.INTENT,
        status=ShareStatus.SHARED,
    )
    ShareFactory(
        membership=member, post=post, network="x", method=ShareMethod.INTENT, status="opened"
    )
    someone_else = MembershipFactory(organization=member.organization)
    ShareFactory(membership=someone_else, post=post, network="bluesky", status="shared")
    page = page_of(member_client, post).content.decode()
    assert "You have not shared this post yet." not in page
    shares = page.split('class="post-shares"')[1].split("</ul>")[0]
    assert "LinkedIn" in shares and "Shared" in shares
    assert "Opened, not confirmed" in shares
    assert "Bluesky" not in shares  # a colleague's share is not theirs


def test_another_organizations_post_and_posts_not_for_the_member_are_404(
    member_client, organization, post
):
    foreign = PostFactory(state=PostState.LIVE)
    assert page_of(member_client, foreign).status_code == 404
    elsewhere = PostFactory(organization=organization, state=PostState.LIVE, target_all=False)
    elsewhere.target_groups.set([GroupFactory(organization=organization)])
    assert page_of(member_client, elsewhere).status_code == 404
    draft = PostFactory(organization=organization, state=PostState.DRAFT)
    assert page_of(member_client, draft).status_code == 404


def test_the_feed_cards_title_links_to_the_page(member_client, post):
    page = member_client.get(reverse("feed")).content.decode()
    assert f'href="{reverse("feed_post", kwargs={"post_id": post.pk})}"' in page


def test_a_rejected_text_notification_leads_to_the_posts_page(organization, member, post):
    approver = MembershipFactory(organization=organization, is_approver=True)
    share = ShareFactory(
        membership=member,
        post=post,
        network="linkedin",
        method=ShareMethod.INTENT,
        status=ShareStatus.IN_REVIEW,
    )
    share_review_reject(share=share, actor=approver.user, reason="Please drop the price.")
    notice = Notification.objects.get(membership=member, kind="share_rejected")
    assert notice.url == reverse("feed_post", kwargs={"post_id": post.pk})
