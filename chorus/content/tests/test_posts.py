from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx
from django.urls import reverse

from chorus.accounts.models import GroupKind
from chorus.content.models import (
    ComplianceRule,
    Post,
    PostState,
    PreviewStatus,
    RuleKind,
    Topic,
)
from chorus.content.selectors import posts as post_selectors
from chorus.content.services import posts as post_services
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, PostFactory


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True, user__email="cu@acme.test")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator.user)
    return client


def form_data(**changes):
    data = {
        "title": "Our new office",
        "commentary": "Share it with your network.",
        "link_url": "",
        "caption_mode": "editable",
        "target": "all",
        "topics": "",
        "campaign": "",
        "caption_linkedin": "We opened an office in Lyon.",
    }
    data.update(changes)
    return data


def test_curator_creates_a_draft_with_captions_topics_and_groups(
    curator_client, organization, curator
):
    sales = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    Topic.objects.create(organization=organization, name="Offices")
    response = curator_client.post(
        reverse("post_create"),
        form_data(
            target="groups",
            target_groups=[sales.pk],
            topics="offices, Hiring , hiring",
            caption_x="Lyon!",
            campaign="Launch",
            publish_start="2030-05-01T09:00",
            publish_end="2030-05-03T18:00",
            requires_certification="on",
        ),
    )
    post = Post.objects.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == reverse("post_detail", args=[post.pk])
    assert post.state == PostState.DRAFT and post.created_by == curator.user
    assert {c.network: c.text for c in post.captions.all()} == {
        "linkedin": "We opened an office in Lyon.",
        "x": "Lyon!",
    }
    assert list(post.target_groups.all()) == [sales] and not post.target_all
    assert sorted(t.name for t in post.topics.all()) == ["Hiring", "Offices"]
    assert Topic.objects.filter(organization=organization).count() == 2
    assert post.campaign == "Launch" and post.requires_certification
    assert post.publish_end - post.publish_start == dt.timedelta(days=2, hours=9)
    assert post.versions.count() == 1


def test_window_must_end_after_it_starts_and_nothing_typed_is_lost(curator_client):
    response = curator_client.post(
        reverse("post_create"),
        form_data(publish_start="2030-05-03T09:00", publish_end="2030-05-01T09:00"),
    )
    assert response.status_code == 400
    assert "must end after it starts" in response.content.decode()
    assert "We opened an office in Lyon." in response.content.decode()
    assert "Share it with your network." in response.content.decode()
    assert not Post.objects.exists()


def test_post_of_the_day_is_one_per_day_and_names_the_other_post(curator_client, organization):
    PostFactory(organization=organization, title="Kick-off", post_of_the_day=dt.date(2030, 5, 1))
    response = curator_client.post(reverse("post_create"), form_data(post_of_the_day="2030-05-01"))
    assert response.status_code == 400
    assert "“Kick-off” is already the post of the day" in response.content.decode()
    assert Post.objects.count() == 1
    other_org = PostFactory(post_of_the_day=dt.date(2030, 5, 2))
    response = curator_client.post(reverse("post_create"), form_data(post_of_the_day="2030-05-02"))
    assert response.status_code == 302
    assert other_org.organization != organization


def test_groups_without_a_group_chosen_is_refused(curator_client):
    response = curator_client.post(reverse("post_create"), form_data(target="groups"))
    assert response.status_code == 400
    assert "Choose at least one group" in response.content.decode()


def test_foreign_group_cannot_be_targeted(curator_client):
    foreign = GroupFactory()
    response = curator_client.post(
        reverse("post_create"), form_data(target="groups", target_groups=[foreign.pk])
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_editing_saves_a_new_version_and_reschedules_the_preview(
    curator_client, organization, curator, django_capture_on_commit_callbacks
):
    post = post_services.post_create(organization=organization, actor=curator.user, title="Old")
    with respx.mock, django_capture_on_commit_callbacks(execute=True):
        respx.get("https://example.com/a").respond(
            200,
            html='<html><head><meta property="og:title" content="Page A"></head></html>',
        )
        response = curator_client.post(
            reverse("post_edit", args=[post.pk]),
            form_data(title="New", link_url="https://example.com/a"),
        )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.version) == ("New", 2)
    assert post.preview_status == PreviewStatus.OK
    assert post.preview_title == "Page A"
    assert post.versions.get(number=2).link_url == "https://example.com/a"


def test_edit_form_shows_current_values(curator_client, organization, curator):
    post = post_services.post_create(
        organization=organization, actor=curator.user, title="Hello", captions={"x": "Tweet"}
    )
    response = curator_client.get(reverse("post_edit", args=[post.pk]))
    assert response.status_code == 200
    assert response.context["form"].initial["caption_x"] == "Tweet"


def test_failed_preview_is_explained(
    curator_client, organization, curator, django_capture_on_commit_callbacks
):
    with respx.mock, django_capture_on_commit_callbacks(execute=True):
        respx.get("https://example.com/a").respond(404)
        post = post_services.post_create(
            organization=organization,
            actor=curator.user,
            title="Broken link",
            link_url="https://example.com/a",
        )
    response = curator_client.get(reverse("post_preview", args=[post.pk]))
    assert "the page returned 404" in response.content.decode()
    assert 'hx-trigger="every 2s"' not in response.content.decode()


def test_non_html_link_is_not_a_web_page(organization, curator):
    post = PostFactory(organization=organization, link_url="https://example.com/a")
    with respx.mock:
        respx.get("https://example.com/a").respond(
            200, content=b"%PDF", headers={"Content-Type": "application/pdf"}
        )
        post_services.post_update_preview(post_id=post.pk)
    post.refresh_from_db()
    assert post.preview_status == PreviewStatus.FAILED
    assert "not a web page" in post.preview_error


def test_timeout_is_explained(organization):
    post = PostFactory(organization=organization, link_url="https://example.com/a")
    with respx.mock:
        respx.get("https://example.com/a").mock(side_effect=httpx.ReadTimeout("slow"))
        post_services.post_update_preview(post_id=post.pk)
    post.refresh_from_db()
    assert post.preview_status == PreviewStatus.FAILED
    assert "timed out" in post.preview_error


def test_pending_preview_polls_and_fetched_preview_shows_the_card(curator_client, organization):
    post = PostFactory(
        organization=organization,
        link_url="https://example.com/a",
        preview_status=PreviewStatus.PENDING,
    )
    response = curator_client.get(reverse("post_preview", args=[post.pk]))
    assert 'hx-trigger="every 2s"' in response.content.decode()
    Post.objects.filter(pk=post.pk).update(
        preview_status=PreviewStatus.OK,
        preview_title="A page",
        preview_description="About things",
        preview_canonical_url="https://example.com/canonical",
    )
    detail = curator_client.get(reverse("post_detail", args=[post.pk])).content.decode()
    assert "A page" in detail and "About things" in detail
    assert "https://example.com/canonical" in detail
    assert "every 2s" not in detail


def test_caption_check_shows_length_findings_and_highlight(curator_client, organization):
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="secret"
    )
    response = curator_client.post(
        reverse("post_caption_check"),
        {"network": "x", "caption_x": "Our secret plan", "link_url": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "15 / 280" in body
    assert "<mark" in body and ">secret</mark>" in body
    assert response.context["result"].blocked


def test_caption_check_counts_over_the_limit(curator_client):
    response = curator_client.post(
        reverse("post_caption_check"), {"network": "bluesky", "caption_bluesky": "a" * 301}
    )
    assert "301 / 300" in response.content.decode()
    assert response.context["over"]


def test_caption_check_refuses_unknown_network(curator_client):
    response = curator_client.post(reverse("post_caption_check"), {"network": "myspace"})
    assert response.status_code == 400


def test_audience_ors_one_kind_and_ands_different_kinds(organization):
    sales = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    legal = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Legal")
    france = GroupFactory(organization=organization, kind=GroupKind.REGION, name="France")
    sales_fr, legal_fr, sales_de, inactive = (
        MembershipFactory(organization=organization) for _ in range(4)
    )
    inactive.is_active = False
    inactive.save()
    sales.members.add(sales_fr, sales_de, inactive)
    legal.members.add(legal_fr)
    france.members.add(sales_fr, legal_fr, inactive)
    post = PostFactory(organization=organization, target_all=False)
    post.target_groups.set([sales, legal, france])
    assert set(post_selectors.post_audience(post)) == {sales_fr, legal_fr}
    post.target_groups.set([sales])
    assert set(post_selectors.post_audience(post)) == {sales_fr, sales_de}
    post.target_all = True
    assert (
        post_selectors.post_audience(post).count() == 3
    )  # active members of the organization only
    MembershipFactory()  # another organization


def test_reach_endpoint_counts_the_form_targeting(curator_client, organization, curator):
    sales = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT)
    sales.members.add(curator)
    response = curator_client.post(
        reverse("post_reach"), {"target": "groups", "target_groups": [sales.pk, "x"]}
    )
    assert "<strong>1</strong> active member." in response.content.decode()


def test_list_has_counts_per_state_and_filters(curator_client, organization):
    PostFactory(organization=organization, title="Alpha", campaign="Spring")
    PostFactory(organization=organization, title="Beta", state=PostState.LIVE)
    PostFactory(title="Foreign")
    response = curator_client.get(reverse("posts"))
    tabs = {tab["state"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs[""] == 2 and tabs["draft"] == 1 and tabs["live"] == 1
    assert "Foreign" not in response.content.decode()
    live = curator_client.get(reverse("posts"), {"state": "live"})
    assert [p.title for p in live.context["page"]] == ["Beta"]
    spring = curator_client.get(reverse("posts"), {"campaign": "Spring", "q": "alp"})
    assert [p.title for p in spring.context["page"]] == ["Alpha"]


def test_version_page_shows_the_text_and_a_diff(curator_client, organization, curator):
    post = post_services.post_create(
        organization=organization, actor=curator.user, title="T", commentary="Line one"
    )
    post_services.post_update(
        post=post,
        actor=curator.user,
        title="T",
        commentary="Line two",
        link_url="",
        captions={},
        campaign="",
        details=post_services.post_details(post),
    )
    version = post.versions.get(number=2)
    response = curator_client.get(reverse("post_version", args=[post.pk, version.pk]))
    body = response.content.decode()
    assert "<del>Line one</del>" in body and "<ins>Line two</ins>" in body


def test_version_of_another_post_is_404(curator_client, organization, curator):
    post = post_services.post_create(organization=organization, actor=curator.user, title="A")
    other = post_services.post_create(organization=organization, actor=curator.user, title="B")
    version = other.versions.get()
    response = curator_client.get(reverse("post_version", args=[post.pk, version.pk]))
    assert response.status_code == 404


def test_foreign_post_is_404(curator_client):
    post = PostFactory(organization=OrganizationFactory())
    for name in ("post_detail", "post_edit", "post_preview"):
        assert curator_client.get(reverse(name, args=[post.pk])).status_code == 404
    assert curator_client.post(reverse("post_submit", args=[post.pk])).status_code == 404


def test_employee_is_refused(employee_client, organization):
    post = PostFactory(organization=organization)
    assert employee_client.get(reverse("posts")).status_code == 403
    assert employee_client.get(reverse("post_create")).status_code == 403
    assert employee_client.get(reverse("post_detail", args=[post.pk])).status_code == 403
    assert employee_client.post(reverse("post_submit", args=[post.pk])).status_code == 403


def test_a_published_post_links_to_its_analytics_and_a_draft_does_not(curator_client, organization):
    from chorus.content.models import PostState

    live = PostFactory(organization=organization, state=PostState.LIVE)
    draft = PostFactory(organization=organization, state=PostState.DRAFT)
    page = curator_client.get(reverse("post_detail", args=[live.pk])).content.decode()
    assert reverse("analytics_post", args=[live.pk]) in page
    page = curator_client.get(reverse("post_detail", args=[draft.pk])).content.decode()
    assert reverse("analytics_post", args=[draft.pk]) not in page
