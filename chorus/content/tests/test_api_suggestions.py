from __future__ import annotations

import json

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.content.models import Post, SuggestionStatus
from chorus.factories import MembershipFactory, OrganizationFactory, SuggestionFactory
from chorus.notifications.models import Notification


def caller(client, membership):
    _, secret = account_services.api_token_create(membership=membership, name="test")

    def call(method, path, body=None):
        return client.generic(
            method,
            "/api/v1" + path,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )

    return call


@pytest.fixture
def advocate(employee):
    employee.program_status = ProgramStatus.JOINED
    employee.save(update_fields=["program_status"])
    return employee


@pytest.fixture
def member_api(client, advocate):
    return caller(client, advocate)


@pytest.fixture
def curator_api(client, organization):
    return caller(client, MembershipFactory(organization=organization, is_curator=True))


def test_member_suggests_and_lists_their_own(member_api, advocate, organization):
    response = member_api(
        "POST", "/suggestions", {"url": "https://example.com/x", "reason": "Good read"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    SuggestionFactory(membership=MembershipFactory(organization=organization))
    mine = member_api("GET", "/suggestions/mine").json()
    assert [item["url"] for item in mine["items"]] == ["https://example.com/x"]
    assert "post_id" not in mine["items"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "javascript:alert(1)", "reason": "x"},
        {"url": "ftp://example.com", "reason": "x"},
        {"url": "https://example.com", "reason": ""},
        {"url": "https://example.com", "reason": "r" * 1001},
        {"url": "https://example.com"},
    ],
)
def test_bad_suggestions_are_422(member_api, body):
    assert member_api("POST", "/suggestions", body).status_code == 422


def test_member_outside_the_program_gets_403_with_a_reason(client, employee):
    api = caller(client, employee)
    response = api("POST", "/suggestions", {"url": "https://example.com", "reason": "x"})
    assert response.status_code == 403
    assert "Join the advocacy program" in response.json()["detail"]


def test_employee_cannot_use_curator_endpoints(member_api, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    assert member_api("GET", "/suggestions").status_code == 403
    assert member_api("POST", f"/suggestions/{suggestion.pk}/accept").status_code == 403
    response = member_api("POST", f"/suggestions/{suggestion.pk}/decline", {"reason": "no"})
    assert response.status_code == 403


def test_curator_lists_pending_first_and_filters(curator_api, advocate):
    declined = SuggestionFactory(membership=advocate, status=SuggestionStatus.DECLINED)
    pending = SuggestionFactory(membership=advocate)
    listed = curator_api("GET", "/suggestions").json()
    assert [item["id"] for item in listed["items"]] == [pending.pk, declined.pk]
    only = curator_api("GET", "/suggestions?status=declined").json()
    assert [item["id"] for item in only["items"]] == [declined.pk]
    assert curator_api("GET", "/suggestions?status=zzz").status_code == 422


def test_curator_accepts(curator_api, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    response = curator_api("POST", f"/suggestions/{suggestion.pk}/accept", {"title": "Read this"})
    assert response.status_code == 200
    post = Post.objects.get()
    assert response.json()["post_id"] == post.pk
    assert response.json()["status"] == "accepted"
    assert (post.title, post.suggested_by) == ("Read this", advocate)
    assert Notification.objects.filter(membership=advocate, kind="suggestion.accepted").exists()


def test_accept_without_body(curator_api, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    assert curator_api("POST", f"/suggestions/{suggestion.pk}/accept").status_code == 200
    assert Post.objects.count() == 1


def test_curator_declines_with_a_reason(curator_api, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    url = f"/suggestions/{suggestion.pk}/decline"
    assert curator_api("POST", url, {"reason": ""}).status_code == 422
    response = curator_api("POST", url, {"reason": "Not for us"})
    assert response.status_code == 200
    assert response.json()["decline_reason"] == "Not for us"
    assert Notification.objects.filter(membership=advocate, kind="suggestion.declined").exists()


def test_deciding_twice_is_409(curator_api, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    curator_api("POST", f"/suggestions/{suggestion.pk}/decline", {"reason": "No"})
    assert curator_api("POST", f"/suggestions/{suggestion.pk}/accept").status_code == 409
    assert not Post.objects.exists()


def test_foreign_suggestion_is_404(curator_api):
    foreign = SuggestionFactory(membership=MembershipFactory(organization=OrganizationFactory()))
    assert curator_api("POST", f"/suggestions/{foreign.pk}/accept").status_code == 404
    response = curator_api("POST", f"/suggestions/{foreign.pk}/decline", {"reason": "x"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == SuggestionStatus.PENDING
