"""The sources API: sources and queue items, with the pages' permission and tenant checks."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from chorus.accounts.models import Membership
from chorus.accounts.services.tokens import api_token_create
from chorus.content.models import ItemStatus, Post, Source, SourceItem
from chorus.content.tests.feed_server import feed_server, rss
from chorus.factories import (
    MembershipFactory,
    OrganizationFactory,
    SourceFactory,
    SourceItemFactory,
)

BASE = "/api/v1"


@pytest.fixture
def server(settings: Any) -> Any:
    settings.HTTP_ALLOW_LOOPBACK = True
    with feed_server() as running:
        yield running


@pytest.fixture
def curator_token(organization: Any) -> str:
    membership = cast(Membership, MembershipFactory(organization=organization, is_curator=True))
    return api_token_create(membership=membership, name="test")[1]


@pytest.fixture
def employee_token(employee: Any) -> str:
    return api_token_create(membership=employee, name="test")[1]


def call(client: Any, method: str, path: str, secret: str, body: Any = None) -> Any:
    return client.generic(
        method,
        BASE + path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def new_source(organization: Any, **fields: Any) -> Source:
    return cast(Source, SourceFactory(organization=organization, **fields))


def new_item(source: Source, **fields: Any) -> SourceItem:
    return cast(SourceItem, SourceItemFactory(source=source, **fields))


def test_create_list_get_patch_delete(
    client: Any, curator_token: str, organization: Any, server: Any
) -> None:
    url = server.serve("/rss.xml", rss({"title": "One", "link": "https://a.example/1"}))
    response = call(client, "POST", "/sources", curator_token, {"url": url})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["feed_url"] == url and created["title"] == "Acme News"
    assert created["item_count"] == 1 and created["new_count"] == 1
    source_id = created["id"]
    listed = call(client, "GET", "/sources", curator_token).json()
    assert [s["id"] for s in listed["items"]] == [source_id]
    assert call(client, "GET", f"/sources/{source_id}", curator_token).json()["url"] == url
    patched = call(
        client, "PATCH", f"/sources/{source_id}", curator_token, {"enabled": False}
    ).json()
    assert patched["enabled"] is False and patched["title"] == "Acme News"
    assert call(client, "DELETE", f"/sources/{source_id}", curator_token).status_code == 204
    assert not Source.objects.exists()


def test_create_refuses_a_page_without_a_feed(client: Any, curator_token: str, server: Any) -> None:
    page = server.serve("/", "<html><body>x</body></html>", content_type="text/html")
    response = call(client, "POST", "/sources", curator_token, {"url": page})
    assert response.status_code == 422
    assert "no feed found on that page" in response.json()["detail"]
    assert not Source.objects.exists()


def test_create_with_an_unreachable_feed_says_it_may_retry_later(
    client: Any, curator_token: str, organization: Any, server: Any
) -> None:
    url = server.serve("/feed.xml", "down", status=503, content_type="text/plain")
    response = call(client, "POST", "/sources", curator_token, {"url": url})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "This feed cannot be read right now: the server answered 503.",
        "retry_later": True,
    }
    assert not Source.objects.exists()
    saved = call(client, "POST", "/sources", curator_token, {"url": url, "retry_later": True})
    assert saved.status_code == 201, saved.content
    body = saved.json()
    assert (body["url"], body["feed_url"], body["enabled"]) == (url, "", True)
    assert body["last_error"] == "the server answered 503"
    assert body["consecutive_failures"] == 1 and body["last_success_at"] is None
    source = Source.objects.get(organization=organization)
    assert source.next_poll_at > source.last_polled_at  # type: ignore[operator]


def test_create_refused_for_good_is_not_offered_a_retry(
    client: Any, curator_token: str, settings: Any
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    body = {"url": "http://127.0.0.1:9/feed.xml", "retry_later": True}
    response = call(client, "POST", "/sources", curator_token, body)
    assert response.status_code == 422
    assert response.json()["retry_later"] is False
    assert "private or local network" in response.json()["detail"]
    assert not Source.objects.exists()


def test_poll_is_queued(
    client: Any,
    curator_token: str,
    organization: Any,
    server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = server.serve("/rss.xml", rss({"title": "One", "link": "https://a.example/1"}))
    source = new_source(organization, url=url, feed_url=url)
    with django_capture_on_commit_callbacks(execute=True):
        response = call(client, "POST", f"/sources/{source.pk}/poll", curator_token)
    assert response.status_code == 202
    assert source.items.count() == 1
    source.enabled = False
    source.save(update_fields=["enabled"])
    assert call(client, "POST", f"/sources/{source.pk}/poll", curator_token).status_code == 422


def test_queue_lists_and_filters(client: Any, curator_token: str, organization: Any) -> None:
    first, second = new_source(organization), new_source(organization)
    new_item(first, title="A")
    new_item(second, title="B")
    new_item(second, title="C", status=ItemStatus.DISMISSED)
    new_item(new_source(OrganizationFactory()), title="Foreign")

    def titles(query: str) -> set[str]:
        body = call(client, "GET", "/queue" + query, curator_token).json()
        return {item["title"] for item in body["items"]}

    assert titles("") == {"A", "B", "C"}
    assert titles("?status=new") == {"A", "B"}
    assert titles(f"?source_id={second.pk}") == {"B", "C"}
    assert call(client, "GET", "/queue?status=bogus", curator_token).status_code == 422


def test_draft_and_dismiss(client: Any, curator_token: str, organization: Any) -> None:
    source = new_source(organization)
    item = new_item(source, title="Story", url="https://a.example/story")
    response = call(client, "POST", f"/queue/{item.pk}/draft", curator_token)
    assert response.status_code == 201
    body = response.json()
    post = Post.objects.get(pk=body["post_id"])
    assert body["item"]["status"] == "used" and body["item"]["post_id"] == post.pk
    assert post.link_url == "https://a.example/story"
    assert call(client, "POST", f"/queue/{item.pk}/draft", curator_token).status_code == 422
    assert call(client, "POST", f"/queue/{item.pk}/dismiss", curator_token).status_code == 422
    other = new_item(source)
    dismissed = call(client, "POST", f"/queue/{other.pk}/dismiss", curator_token)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sources/{source}"),
        ("PATCH", "/sources/{source}"),
        ("DELETE", "/sources/{source}"),
        ("POST", "/sources/{source}/poll"),
        ("POST", "/queue/{item}/draft"),
        ("POST", "/queue/{item}/dismiss"),
    ],
)
def test_foreign_ids_are_404(client: Any, curator_token: str, method: str, path: str) -> None:
    foreign_source = new_source(OrganizationFactory())
    foreign_item = new_item(foreign_source)
    url = path.format(source=foreign_source.pk, item=foreign_item.pk)
    assert call(client, method, url, curator_token, {}).status_code == 404
    foreign_item.refresh_from_db()
    assert foreign_item.status == ItemStatus.NEW
    assert Source.objects.filter(pk=foreign_source.pk).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sources"),
        ("POST", "/sources"),
        ("GET", "/sources/{source}"),
        ("DELETE", "/sources/{source}"),
        ("GET", "/queue"),
        ("POST", "/queue/{item}/draft"),
        ("POST", "/queue/{item}/dismiss"),
    ],
)
def test_employees_are_403(
    client: Any, employee_token: str, organization: Any, method: str, path: str
) -> None:
    source = new_source(organization)
    item = new_item(source)
    url = path.format(source=source.pk, item=item.pk)
    response = call(client, method, url, employee_token, {"url": "https://a.example/feed"})
    assert response.status_code == 403
    assert Source.objects.count() == 1
