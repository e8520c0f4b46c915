"""The sources page (admins), send to care (members in the program) and manual entry (care
staff), with the networks faked at the transport with respx."""

from __future__ import annotations

from typing import Any

import pytest
import respx
from django.test import Client

from chorus.care.models import CareSource, Conversation, Message, MessageDirection, Origin
from chorus.factories import CareSourceFactory, CareTagFactory, MembershipFactory

pytestmark = pytest.mark.django_db

MASTODON_POST = "https://mastodon.example/@carla/1110"


@pytest.fixture
def network() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def advocate(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status="joined")


@pytest.fixture
def advocate_client(client: Any, advocate: Any) -> Any:
    client.force_login(advocate.user)
    return client


def source_form(**changes: Any) -> dict[str, Any]:
    data = {
        "kind": "mastodon_mentions",
        "name": "Mentions on Mastodon",
        "instance": "mastodon.social",
        "handle": "@acme@mastodon.social",
        "query": "",
        "secret": "official-token-123",
        "default_priority": "normal",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_admins_add_a_source_whose_secret_is_never_shown_back(admin_client, organization):
    response = admin_client.post("/care/sources/new/", source_form())
    assert response.status_code == 302
    source = CareSource.objects.get(organization=organization)
    assert source.instance == "https://mastodon.social"
    assert source.secret == "official-token-123"

    page = admin_client.get("/care/sources/")
    assert "Mentions on Mastodon" in page.content.decode()
    edit = admin_client.get(f"/care/sources/{source.pk}/")
    assert "official-token-123" not in edit.content.decode()
    assert "Leave empty to keep" in edit.content.decode()

    # Saved with the secret left empty: kept.
    admin_client.post(f"/care/sources/{source.pk}/", source_form(name="Renamed", secret=""))
    source.refresh_from_db()
    assert (source.name, source.secret) == ("Renamed", "official-token-123")


@pytest.mark.parametrize(
    ("changes", "field_words"),
    [
        ({"instance": "localhost", "handle": ""}, "server name"),
        ({"instance": "10.0.0.8", "handle": ""}, "IP address"),
        ({"secret": ""}, "access token"),
        ({"kind": "mastodon_search", "query": ""}, "words or hashtags"),
        ({"kind": "bluesky_mentions", "handle": "", "instance": ""}, "handle"),
    ],
)
def test_a_source_that_does_not_fit_is_refused_in_words_keeping_what_was_typed(
    admin_client, organization, changes, field_words
):
    response = admin_client.post("/care/sources/new/", source_form(name="Kept name", **changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert field_words in html
    assert 'value="Kept name"' in html
    assert not CareSource.objects.filter(organization=organization).exists()


def test_check_now_reads_the_source_once_and_says_what_happened(
    admin_client, organization, network
):
    source = CareSourceFactory(organization=organization, instance="https://mastodon.example")
    network.get("https://mastodon.example/api/v1/notifications").respond(503)
    response = admin_client.post(f"/care/sources/{source.pk}/check/", follow=True)
    assert "could not be read" in response.content.decode()
    source.refresh_from_db()
    assert source.failures == 1


def test_admins_remove_a_source_and_its_conversations_stay(admin_client, organization):
    source = CareSourceFactory(organization=organization)
    conversation = Conversation.objects.create(organization=organization, source=source)
    assert admin_client.post(f"/care/sources/{source.pk}/delete/").status_code == 302
    assert not CareSource.objects.filter(pk=source.pk).exists()
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_the_inbound_secret_is_shown_once(admin_client, organization):
    created = admin_client.post("/care/sources/webhook/secret/")
    html = created.content.decode()
    assert "whsec_" in html and "/care/webhook/" in html
    again = admin_client.get("/care/sources/").content.decode()
    assert "whsec_" not in again and "/care/webhook/" in again
    admin_client.post("/care/sources/webhook/off/")
    assert "/care/webhook/" not in admin_client.get("/care/sources/").content.decode()


def test_only_admins_keep_sources_and_foreign_ids_are_404(employee, admin_client, organization):
    other = Client()
    other.force_login(employee.user)
    assert other.get("/care/sources/").status_code == 403
    foreign = CareSourceFactory(organization=MembershipFactory().organization)
    assert admin_client.get(f"/care/sources/{foreign.pk}/").status_code == 404
    assert admin_client.post(f"/care/sources/{foreign.pk}/check/").status_code == 404
    assert admin_client.post(f"/care/sources/{foreign.pk}/delete/").status_code == 404


# Send to care ---------------------------------------------------------------------------


def mastodon_status() -> dict[str, Any]:
    return {
        "id": "1110",
        "created_at": "2030-03-04T09:58:00.000Z",
        "in_reply_to_id": None,
        "visibility": "public",
        "language": "en",
        "uri": "https://mastodon.example/users/carla/statuses/1110",
        "url": MASTODON_POST,
        "content": "<p>My parcel from Acme is two weeks late and nobody answers.</p>",
        "spoiler_text": "",
        "account": {
            "id": "2001",
            "username": "carla",
            "acct": "carla",
            "display_name": "Carla Customer",
            "url": "https://mastodon.example/@carla",
        },
    }


def test_a_member_sends_a_post_by_its_link_chorus_reads_it_and_a_second_send_joins(
    advocate_client, advocate, organization, network
):
    network.get("https://mastodon.example/api/v1/statuses/1110").respond(
        200, json=mastodon_status()
    )

    read = advocate_client.post("/care/send/", {"url": MASTODON_POST, "action": "read"})
    assert read.status_code == 200
    assert "two weeks late" in read.content.decode()
    assert "Carla Customer" in read.content.decode()
    assert not Conversation.objects.filter(organization=organization).exists()

    sent = advocate_client.post(
        "/care/send/",
        {"url": MASTODON_POST, "note": "A loyal customer", "action": "send"},
        follow=True,
    )
    assert "Sent to care" in sent.content.decode()
    conversation = Conversation.objects.get(organization=organization)
    assert conversation.origin == Origin.MEMBER
    assert conversation.created_by == advocate
    assert conversation.network == "mastodon"
    assert conversation.customer_handle == "@carla@mastodon.example"
    note = conversation.messages.get(direction=MessageDirection.NOTE)
    assert (note.text, note.membership) == ("A loyal customer", advocate)

    again = advocate_client.post(
        "/care/send/",
        {"url": MASTODON_POST, "note": "Still waiting", "action": "send"},
        follow=True,
    )
    assert "in care already" in again.content.decode()
    assert Conversation.objects.filter(organization=organization).count() == 1
    assert conversation.messages.filter(direction=MessageDirection.CUSTOMER).count() == 1
    assert conversation.messages.filter(direction=MessageDirection.NOTE).count() == 2


def test_where_chorus_cannot_read_the_post_the_member_types_it_and_keeps_it_on_errors(
    advocate_client, organization
):
    link = "https://www.linkedin.com/feed/update/urn:li:activity:1234/"
    asked = advocate_client.post("/care/send/", {"url": link, "action": "read"})
    html = asked.content.decode()
    assert asked.status_code == 400
    assert "Type what the customer wrote" in html
    assert 'name="text"' in html

    # Only the text typed: the author is asked for, the text kept.
    half = advocate_client.post(
        "/care/send/", {"url": link, "text": "Where is my refund?", "action": "send"}
    )
    assert half.status_code == 400
    assert "Where is my refund?" in half.content.decode()
    assert "who wrote it" in half.content.decode().lower()

    done = advocate_client.post(
        "/care/send/",
        {"url": link, "text": "Where is my refund?", "author_handle": "Dora", "action": "send"},
    )
    assert done.status_code == 302
    conversation = Conversation.objects.get(organization=organization)
    assert (conversation.network, conversation.customer_handle) == ("linkedin", "Dora")
    assert conversation.messages.get().remote_url == link


def test_a_post_that_is_gone_asks_the_member_to_type_it(advocate_client, network):
    network.get("https://mastodon.example/api/v1/statuses/1110").respond(404)
    response = advocate_client.post("/care/send/", {"url": MASTODON_POST, "action": "read"})
    assert response.status_code == 400
    assert "paste its text" in response.content.decode()


def test_members_outside_the_program_cannot_send_to_care(employee_client):
    assert employee_client.get("/care/send/").status_code == 403


# Manual entry --------------------------------------------------------------------------


def test_care_staff_type_a_conversation_in(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    billing = CareTagFactory(organization=organization, name="Billing")
    client.force_login(curator.user)
    response = client.post(
        "/care/new/",
        {
            "network": "web",
            "customer_handle": "dora@example.com",
            "text": "I was charged twice this month.",
            "priority": "high",
            "tags": [billing.pk],
            "subject": "Charged twice",
        },
    )
    conversation = Conversation.objects.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == f"/care/c/{conversation.pk}/"
    assert conversation.origin == Origin.MANUAL
    assert conversation.created_by == curator
    assert (conversation.priority, conversation.subject) == ("high", "Charged twice")
    assert list(conversation.tags.all()) == [billing]
    assert conversation.thread_key == ""
    assert Message.objects.get(conversation=conversation).text == "I was charged twice this month."


def test_manual_entry_is_for_care_staff_and_keeps_what_was_typed(
    employee, admin_client, organization
):
    other = Client()
    other.force_login(employee.user)
    assert other.get("/care/new/").status_code == 403
    response = admin_client.post(
        "/care/new/", {"network": "web", "customer_handle": "dora", "text": "", "priority": "low"}
    )
    assert response.status_code == 400
    assert 'value="dora"' in response.content.decode()
    assert not Conversation.objects.filter(organization=organization).exists()
