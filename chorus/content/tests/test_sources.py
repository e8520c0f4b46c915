"""Curators' pages: sources (add, edit, delete, poll now) and the curation queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import lxml.html
import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime

from chorus.content.models import ItemStatus, Post, Source, SourceItem
from chorus.content.services import sources as source_services
from chorus.content.tests.feed_server import (
    BILLION_LAUGHS,
    FeedServer,
    feed_server,
    refused_url,
    rss,
)
from chorus.core.models import AuditEvent
from chorus.factories import (
    MembershipFactory,
    OrganizationFactory,
    SourceFactory,
    SourceItemFactory,
)


@pytest.fixture
def server(settings: Any) -> Any:
    settings.HTTP_ALLOW_LOOPBACK = True
    with feed_server() as running:
        yield running


@pytest.fixture
def curator(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_curator=True)


@pytest.fixture
def curator_client(client: Any, curator: Any) -> Any:
    client.force_login(curator.user)
    return client


def new_source(organization: Any, **fields: Any) -> Source:
    return cast(Source, SourceFactory(organization=organization, **fields))


def new_item(source: Source, **fields: Any) -> SourceItem:
    return cast(SourceItem, SourceItemFactory(source=source, **fields))


def post_page(post: Post) -> str:
    for name in ("post_edit", "post_detail"):
        try:
            return reverse(name, kwargs={"post_id": post.pk})
        except NoReverseMatch:
            continue
    return reverse("posts")


ITEM = {"title": "Acme opens a lab", "link": "https://acme.example/lab", "guid": "lab"}


# Sources ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sources", "curation_queue"])
def test_employees_may_not_see_the_pages(employee_client: Any, name: str) -> None:
    assert employee_client.get(reverse(name)).status_code == 403


def test_sources_list_shows_status_and_counts(curator_client: Any, organization: Any) -> None:
    source = new_source(
        organization,
        title="Acme News",
        last_error="the server answered 500",
        consecutive_failures=3,
        last_polled_at=timezone.now(),
    )
    new_item(source)
    new_item(source, status=ItemStatus.DISMISSED)
    new_source(OrganizationFactory(), title="Someone else's feed")
    response = curator_client.get(reverse("sources"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Acme News" in text
    assert "the server answered 500" in text
    assert "1 new" in text and "of 2" in text
    assert "Someone else" not in text


def test_adding_a_feed_fetches_it_at_once(
    curator_client: Any, organization: Any, server: FeedServer
) -> None:
    url = server.serve("/rss.xml", rss(ITEM))
    response = curator_client.post(reverse("sources"), {"url": url}, follow=True)
    source = Source.objects.get(organization=organization)
    assert source.feed_url == url
    assert source.items.count() == 1
    assert "1 item in the queue" in response.content.decode()
    assert AuditEvent.objects.filter(action="source.created").exists()


def test_adding_a_page_without_a_feed_says_so_and_offers_to_retry_later(
    curator_client: Any, organization: Any, server: FeedServer
) -> None:
    page = server.serve("/", "<html><head></head><body>hi</body></html>", content_type="text/html")
    response = curator_client.post(reverse("sources"), {"url": page})
    text = response.content.decode()
    assert response.status_code == 200
    assert "no feed found on that page" in text
    assert "Save anyway and retry later" in text
    assert not Source.objects.exists()


@pytest.mark.parametrize("case", ["refused", "503", "404"])
def test_an_unreachable_feed_shows_the_form_again_with_the_offer_to_retry_later(
    curator_client: Any, server: FeedServer, case: str
) -> None:
    if case == "refused":
        url, reason = refused_url(), "could not connect (the server refused the connection)"
    else:
        url = server.serve("/feed.xml", "down", status=int(case), content_type="text/plain")
        reason = f"the server answered {case}"
    response = curator_client.post(reverse("sources"), {"url": url})
    page = lxml.html.document_fromstring(response.content)
    assert response.status_code == 200
    # The whole page, the address as typed, why, and the button that saves it anyway.
    assert page.findtext(".//h1") == "Sources"
    assert page.find(".//input[@name='url']").get("value") == url
    assert f"This feed cannot be read right now: {reason}." in page.text_content()
    [button] = page.findall(".//button[@name='retry_later']")
    assert button.text_content().strip() == "Save anyway and retry later"
    assert button.get("value") == "1"
    assert button.xpath("ancestor::form/@action") == [reverse("sources")]
    assert not Source.objects.exists()


def test_save_anyway_keeps_the_source_with_its_error_and_next_try(
    curator_client: Any, organization: Any, server: FeedServer, settings: Any
) -> None:
    settings.FEED_POLL_MINUTES = 30
    url = server.serve("/feed.xml", "down", status=503, content_type="text/plain")
    response = curator_client.post(
        reverse("sources"), {"url": url, "retry_later": "1"}, follow=True
    )
    source = Source.objects.get(organization=organization)
    assert (source.url, source.feed_url, source.enabled) == (url, "", True)
    assert source.last_error == "the server answered 503"
    assert source.consecutive_failures == 1
    assert source.last_success_at is None and source.last_polled_at is not None
    # The poller's backoff: twice the base interval after one failure.
    assert source.next_poll_at == source.last_polled_at + timedelta(minutes=60)
    text = response.content.decode()
    next_try = date_format(localtime(source.next_poll_at), "SHORT_DATETIME_FORMAT")
    assert "Its feed could not be read yet: the server answered 503." in text
    assert f"Chorus tries again at {next_try}" in text
    assert "Last error: the server answered 503" in text
    assert f"Next try: {next_try}" in text
    detail = curator_client.get(reverse("source_detail", kwargs={"source_id": source.pk}))
    assert "Next try" in detail.content.decode()
    assert AuditEvent.objects.get(action="source.created").data["retry_later"] is True


def test_a_source_saved_to_retry_later_is_read_once_its_feed_works(
    curator_client: Any, organization: Any, server: FeedServer
) -> None:
    page = server.serve("/blog/", "not yet", status=502, content_type="text/plain")
    curator_client.post(reverse("sources"), {"url": page, "retry_later": "1"})
    source = Source.objects.get(organization=organization)
    # The site comes back as a page advertising its feed: the poll finds the feed.
    server.serve(
        "/blog/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/blog/rss.xml">'
        "</head><body>Blog</body></html>",
        content_type="text/html",
    )
    feed = server.serve("/blog/rss.xml", rss(ITEM))
    source_services.source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert (source.feed_url, source.last_error, source.consecutive_failures) == (feed, "", 0)
    assert source.last_success_at is not None and source.title == "Acme News"
    assert source.items.count() == 1


def test_a_retried_source_whose_feed_is_already_a_source_says_so(
    organization: Any, server: FeedServer
) -> None:
    feed = server.serve("/rss.xml", rss(ITEM))
    existing = source_services.source_create(organization=organization, actor=None, url=feed)
    page = server.serve("/home/", "down", status=503, content_type="text/plain")
    waiting = source_services.source_create(
        organization=organization, actor=None, url=page, retry_later=True
    )
    server.serve(
        "/home/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        "</head></html>",
        content_type="text/html",
    )
    source_services.source_poll(source_id=waiting.pk)
    waiting.refresh_from_db()
    assert f"this feed is already the source “{existing}”" in waiting.last_error
    assert waiting.feed_url == "" and waiting.items.count() == 0


def test_the_same_unreachable_address_cannot_be_saved_twice(
    curator_client: Any, organization: Any, server: FeedServer
) -> None:
    url = refused_url()
    for _ in range(2):
        response = curator_client.post(reverse("sources"), {"url": url, "retry_later": "1"})
    assert response.status_code == 400
    assert "This feed is already a source." in response.content.decode()
    assert Source.objects.filter(organization=organization).count() == 1


def test_a_private_address_stays_refused_even_to_retry_later(
    curator_client: Any, settings: Any
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    response = curator_client.post(
        reverse("sources"), {"url": "http://127.0.0.1:9/feed", "retry_later": "1"}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "This source cannot be added: the address points to a private or local network" in text
    assert "Save anyway and retry later" not in text
    assert not Source.objects.exists()


def test_a_feed_declaring_entities_stays_refused_even_to_retry_later(
    curator_client: Any, server: FeedServer
) -> None:
    url = server.serve("/bomb.xml", BILLION_LAUGHS)
    response = curator_client.post(reverse("sources"), {"url": url, "retry_later": "1"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "declares XML entities or a document type" in text
    assert "Save anyway and retry later" not in text
    assert not Source.objects.exists()


def test_an_address_that_is_not_http_is_refused_without_the_offer(curator_client: Any) -> None:
    response = curator_client.post(
        reverse("sources"), {"url": "ftp://files.example/feed.xml", "retry_later": "1"}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "“ftp:” addresses are not accepted" in text
    assert "Save anyway and retry later" not in text
    assert not Source.objects.exists()


def test_adding_an_unreachable_or_private_address_is_not_a_500(
    curator_client: Any, settings: Any
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    response = curator_client.post(reverse("sources"), {"url": "http://127.0.0.1:9/feed"})
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()
    response = curator_client.post(reverse("sources"), {"url": "not a url"})
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_editing_a_source(curator_client: Any, organization: Any) -> None:
    source = new_source(organization, title="Old", enabled=True)
    url = reverse("source_detail", kwargs={"source_id": source.pk})
    assert curator_client.get(url).status_code == 200
    response = curator_client.post(url, {"title": "New name"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "New name"
    assert source.enabled is False


def test_switching_a_source_back_on_polls_it_at_the_next_tick(
    curator_client: Any, organization: Any
) -> None:
    later = timezone.now() + timedelta(days=1)
    source = new_source(organization, enabled=False, next_poll_at=later, consecutive_failures=5)
    url = reverse("source_detail", kwargs={"source_id": source.pk})
    curator_client.post(url, {"title": "x", "enabled": "on"})
    source.refresh_from_db()
    assert source.enabled and source.consecutive_failures == 0
    assert source.next_poll_at <= timezone.now()


def test_deleting_a_source_is_post_only(curator_client: Any, organization: Any) -> None:
    source = new_source(organization)
    new_item(source)
    url = reverse("source_delete", kwargs={"source_id": source.pk})
    assert curator_client.get(url).status_code == 405
    assert curator_client.post(url).status_code == 302
    assert not Source.objects.exists() and not SourceItem.objects.exists()


def test_poll_now_polls_in_the_background(
    curator_client: Any,
    organization: Any,
    server: FeedServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = server.serve("/rss.xml", rss(ITEM))
    source = new_source(organization, url=url, feed_url=url)
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(reverse("source_poll", kwargs={"source_id": source.pk}))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.last_success_at is not None
    assert source.items.count() == 1


@pytest.mark.parametrize("name", ["source_detail", "source_delete", "source_poll"])
def test_a_foreign_source_is_404(curator_client: Any, name: str) -> None:
    foreign = new_source(OrganizationFactory())
    url = reverse(name, kwargs={"source_id": foreign.pk})
    assert curator_client.post(url, {"title": "x"}).status_code == 404
    assert Source.objects.filter(pk=foreign.pk).exists()


# The curation queue -------------------------------------------------------------------


def test_queue_lists_new_items_newest_first(curator_client: Any, organization: Any) -> None:
    source = new_source(organization, title="Feed A")
    new_item(source, title="Older", published_at=datetime(2026, 1, 1, tzinfo=UTC))
    new_item(source, title="Newer", published_at=datetime(2026, 2, 1, tzinfo=UTC))
    new_item(source, title="Gone", status=ItemStatus.DISMISSED)
    text = curator_client.get(reverse("curation_queue")).content.decode()
    assert text.index("Newer") < text.index("Older")
    assert "Gone" not in text
    dismissed = curator_client.get(reverse("curation_queue") + "?status=dismissed")
    assert "Gone" in dismissed.content.decode()
    assert "Older" not in dismissed.content.decode()


def test_queue_filters_by_source(curator_client: Any, organization: Any) -> None:
    first, second = new_source(organization), new_source(organization)
    new_item(first, title="From first")
    new_item(second, title="From second")
    text = curator_client.get(reverse("curation_queue") + f"?source={first.pk}").content.decode()
    assert "From first" in text and "From second" not in text


def test_queue_hides_other_organizations(curator_client: Any) -> None:
    new_item(new_source(OrganizationFactory()), title="Foreign item")
    assert "Foreign item" not in curator_client.get(reverse("curation_queue")).content.decode()


def test_create_draft_turns_the_item_into_a_post(
    curator_client: Any, organization: Any, curator: Any
) -> None:
    item = new_item(
        new_source(organization),
        title="Lab opens",
        url="https://acme.example/lab",
        summary="<p>Big <b>news</b> &amp; more</p>",
    )
    response = curator_client.post(reverse("queue_item_draft", kwargs={"item_id": item.pk}))
    item.refresh_from_db()
    post = item.post
    assert post is not None
    assert response.status_code == 302
    assert response["Location"] == post_page(post)
    assert item.status == ItemStatus.USED
    assert (post.title, post.link_url, post.state) == ("Lab opens", item.url, "draft")
    assert post.commentary == "Big news & more"
    assert post.created_by == curator.user
    # Used once: a second click does not make a second post.
    curator_client.post(reverse("queue_item_draft", kwargs={"item_id": item.pk}))
    assert Post.objects.count() == 1


def test_create_draft_with_htmx_swaps_the_row(curator_client: Any, organization: Any) -> None:
    item = new_item(new_source(organization), title="Lab opens")
    response = curator_client.post(
        reverse("queue_item_draft", kwargs={"item_id": item.pk}), HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert f'id="queue-item-{item.pk}"' in text
    assert "Open the post" in text and "Draft created" in text


def test_dismiss_with_htmx_and_without(curator_client: Any, organization: Any) -> None:
    source = new_source(organization)
    first, second = new_item(source), new_item(source)
    url = reverse("queue_item_dismiss", kwargs={"item_id": first.pk})
    response = curator_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Dismissed" in response.content.decode()
    response = curator_client.post(reverse("queue_item_dismiss", kwargs={"item_id": second.pk}))
    assert response.status_code == 302
    assert set(SourceItem.objects.values_list("status", flat=True)) == {ItemStatus.DISMISSED}


def test_a_used_item_cannot_be_dismissed(curator_client: Any, organization: Any) -> None:
    item = new_item(new_source(organization))
    curator_client.post(reverse("queue_item_draft", kwargs={"item_id": item.pk}))
    response = curator_client.post(
        reverse("queue_item_dismiss", kwargs={"item_id": item.pk}), HTTP_HX_REQUEST="true"
    )
    assert "already a post" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.USED


@pytest.mark.parametrize("name", ["queue_item_draft", "queue_item_dismiss"])
def test_queue_actions_are_post_only_and_foreign_items_404(
    curator_client: Any, organization: Any, name: str
) -> None:
    foreign = new_item(new_source(OrganizationFactory()))
    assert curator_client.post(reverse(name, kwargs={"item_id": foreign.pk})).status_code == 404
    own = new_item(new_source(organization))
    assert curator_client.get(reverse(name, kwargs={"item_id": own.pk})).status_code == 405
    foreign.refresh_from_db()
    assert foreign.status == ItemStatus.NEW


@pytest.mark.parametrize("name", ["queue_item_draft", "queue_item_dismiss"])
def test_employees_may_not_act_on_the_queue(
    employee_client: Any, organization: Any, name: str
) -> None:
    item = new_item(new_source(organization))
    assert employee_client.post(reverse(name, kwargs={"item_id": item.pk})).status_code == 403
    item.refresh_from_db()
    assert item.status == ItemStatus.NEW
