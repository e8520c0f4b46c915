"""Every error under /api/v1/ is JSON (`{"detail": ...}`), whatever answers it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from chorus.accounts.services import tokens as services

BODY_LIMIT = 10_000
CSRF_SECRET = "a" * 32


@pytest.fixture
def bearer(admin_member: Any) -> dict[str, str]:
    secret = services.api_token_create(membership=admin_member, name="script")[1]
    return {"Authorization": f"Bearer {secret}"}


def detail(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["detail"]


def test_a_body_over_the_size_limit_is_a_json_413(client, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    body = json.dumps({"name": "x" * BODY_LIMIT})
    response = client.post("/api/v1/groups", body, content_type="application/json", headers=bearer)
    assert response.status_code == 413
    assert detail(response) == "The request body is too large: the limit is 10,000 bytes."
    # A form body too.
    response = client.post("/api/v1/groups", {"name": "x" * BODY_LIMIT}, headers=bearer)
    assert response.status_code == 413
    assert detail(response).startswith("The request body is too large")


def test_a_browser_body_over_the_size_limit_is_a_json_413(settings, admin_member):
    """The session's CSRF check reads a form body before the operation does."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_member.user)
    browser.cookies["csrftoken"] = CSRF_SECRET
    response = browser.post(
        "/api/v1/groups", {"name": "x" * BODY_LIMIT}, headers={"X-CSRFToken": CSRF_SECRET}
    )
    assert response.status_code == 413
    assert detail(response).startswith("The request body is too large")


def test_a_body_within_the_limit_is_still_read(client, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    body = json.dumps({"name": "Sales"})
    response = client.post("/api/v1/groups", body, content_type="application/json", headers=bearer)
    assert response.status_code == 201


def test_an_unknown_api_path_is_a_json_404(client, bearer):
    for path in ("/api/v1/nothing-here", "/api/v1/groups/1/nothing", "/api/v1/me/"):
        response = client.get(path, headers=bearer)
        assert response.status_code == 404, path
        assert detail(response) == "Not Found"
    assert detail(client.get("/api/v1/nothing-here")) == "Not Found"


def test_a_method_the_path_does_not_take_is_a_json_405(client, bearer):
    response = client.put("/api/v1/groups", "{}", content_type="application/json", headers=bearer)
    assert response.status_code == 405
    assert detail(response) == "Method Not Allowed"
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]


def test_a_failed_csrf_check_is_a_json_403(admin_member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_member.user)
    response = browser.post("/api/v1/groups", "{}", content_type="application/json")
    assert response.status_code == 403
    assert detail(response) == "CSRF check Failed"


def test_a_request_django_refuses_is_a_json_400(client, db):
    response = client.get("/api/v1/me", headers={"Host": "not-our-host.example"})
    assert response.status_code == 400
    assert detail(response) == "Bad Request"


def test_an_unhandled_error_is_a_json_500(admin_member, bearer, monkeypatch):
    def broken(request: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("chorus.accounts.api.me.calling_member", broken)
    response = Client(raise_request_exception=False).get("/api/v1/me", headers=bearer)
    assert response.status_code == 500
    assert detail(response) == "Internal Server Error"
    assert "a bug" not in response.content.decode()


def test_the_sites_pages_keep_their_html_errors(client, db):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
