"""Writing help in the pages and the API: the admin's settings, a member's suggestions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.content.models import PostState
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.writing.models import WritingSettings
from chorus.writing.tests.fake_llm import fake_llm


@pytest.fixture
def advocate(organization):
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def live_post(organization):
    return PostFactory(organization=organization, state=PostState.LIVE, title="Lisbon is open")


@pytest.fixture
def llm(settings, admin_client):
    settings.HTTP_ALLOW_LOOPBACK = True
    with fake_llm() as server:
        response = admin_client.post(
            reverse("writing_settings"),
            {"enabled": "on", "base_url": server.url, "model": "writer", "api_key": "sk-1"},
        )
        assert response.status_code == 302
        admin_client.logout()
        yield server


def test_the_admin_switches_writing_help_on_and_sees_what_is_sent(admin_client, settings):
    page = admin_client.get(reverse("writing_settings")).content.decode()
    assert "Writing help is <strong>off</strong>" in page
    assert "What is sent" in page
    response = admin_client.post(
        reverse("writing_settings"),
        {"enabled": "on", "base_url": "https://llm.example/v1", "model": "writer", "api_key": "k"},
    )
    assert response.status_code == 302
    page = admin_client.get(reverse("writing_settings")).content.decode()
    assert "Writing help is <strong>on</strong>" in page
    assert "Sent to llm.example" in page
    assert "A key is stored." in page and 'value="k"' not in page  # the key is never shown


def test_bad_settings_come_back_with_the_reason_and_change_nothing(admin_client):
    response = admin_client.post(
        reverse("writing_settings"), {"enabled": "on", "base_url": "ftp://x.example", "model": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and "Give the model" in page
    assert not WritingSettings.objects.exists()


@pytest.mark.parametrize("role", ["employee", "curator", "approver"])
def test_only_admins_change_the_settings(client, organization, role):
    member = MembershipFactory(organization=organization, **{f"is_{role}": True})
    client.force_login(member.user)
    assert client.get(reverse("writing_settings")).status_code == 403
    assert client.post(reverse("writing_settings"), {"enabled": "on"}).status_code == 403


def test_a_member_gets_suggestions_for_a_post_in_their_feed(client, advocate, live_post, llm):
    llm.reply("Our Lisbon office is open!", "Guaranteed returns", "Lisbon, hello.")
    client.force_login(advocate.user)
    response = client.post(
        reverse("writing_suggest", args=[live_post.pk]),
        {"network": "x", "caption": "my draft", "link_url": "https://go.example/l/x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-use-suggestion="Our Lisbon office is open! https://go.example/l/x"' in page
    assert "3 suggestions passed" in page
    assert "Sent to 127.0.0.1" in page


def test_suggestions_are_not_offered_while_off_or_for_another_organizations_post(
    client, advocate, live_post, settings
):
    client.force_login(advocate.user)
    url = reverse("writing_suggest", args=[live_post.pk])
    assert client.post(url, {"network": "x"}).status_code == 404  # off
    foreign = PostFactory(organization=OrganizationFactory(), state=PostState.LIVE)
    with fake_llm() as server:
        settings.HTTP_ALLOW_LOOPBACK = True
        WritingSettings.objects.create(
            organization=advocate.organization, enabled=True, base_url=server.url, model="m"
        )
        assert (
            client.post(reverse("writing_suggest", args=[foreign.pk]), {"network": "x"}).status_code
            == 404
        )
        assert server.requests == []


def test_the_api_suggests_and_says_why_when_it_cannot(client, advocate, live_post, llm):
    from chorus.accounts.services.tokens import api_token_create

    _token, secret = api_token_create(membership=advocate, name="t")
    headers = {"Authorization": f"Bearer {secret}"}
    llm.reply("Lisbon is open.")
    response = client.post(
        "/api/v1/writing/suggestions",
        {"post_id": live_post.pk, "network": "linkedin", "caption": ""},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["text"] for item in body["suggestions"]] == ["Lisbon is open."]
    assert "Sent to 127.0.0.1" in body["sent"]
    llm.status = 401
    response = client.post(
        "/api/v1/writing/suggestions",
        {"post_id": live_post.pk, "network": "linkedin"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 503
    assert "refused the key" in response.json()["detail"]


def test_a_curator_asks_for_suggestions_while_writing_a_posts_captions(client, organization, llm):
    curator = MembershipFactory(organization=organization, is_curator=True)
    draft = PostFactory(organization=organization, state=PostState.DRAFT, title="Plant in Lyon")
    client.force_login(curator.user)
    editor = client.get(reverse("post_edit", args=[draft.pk])).content.decode()
    assert editor.count("Suggest captions") >= 7  # one per network field
    llm.reply("Lyon, meet our newest plant.")
    response = client.post(
        reverse("writing_suggest", args=[draft.pk]),
        {
            "network": "linkedin",
            "source": "caption_linkedin",
            "caption_linkedin": "draft words",
            "target": "id_caption_linkedin",
        },
    )
    page = response.content.decode()
    assert 'data-target="#id_caption_linkedin"' in page
    assert "draft words" in str(llm.requests[-1]["json"]["messages"])


def test_the_editor_offers_no_suggestions_while_writing_help_is_off(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    draft = PostFactory(organization=organization, state=PostState.DRAFT)
    client.force_login(curator.user)
    assert (
        "Suggest captions" not in client.get(reverse("post_edit", args=[draft.pk])).content.decode()
    )
