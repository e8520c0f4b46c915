"""Minting, redirecting and storing: the basic path end to end (WSGI called directly)."""

from __future__ import annotations

import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.exceptions import ValidationError

from chorus.content.models import PostState
from chorus.factories import MembershipFactory, PostFactory
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click, Link, LinkSettings
from chorus.links.services.links import clicks_store, link_mint, tracked_destination
from chorus.links.sinks import ClickRecord, FileSink

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def django_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django"]


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


def call(app, path, *, method="GET", ua=IPHONE, ip="203.0.113.7", **extra):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(
        PATH_INFO=path, REQUEST_METHOD=method, HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **extra
    )
    answer = {}

    def start_response(status, headers):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def drain(edge):
    return edge.sink.drain(clicks_store, now=time.time() + 60)


@pytest.fixture
def post(organization):
    return PostFactory(
        organization=organization,
        link_url="https://acme.example/news?id=7&utm_source=old#top",
        campaign="launch",
        state=PostState.LIVE,
    )


def test_minting_the_same_share_twice_returns_the_same_link(post, employee):
    first = link_mint(post=post, membership=employee, network="linkedin")
    again = link_mint(post=post, membership=employee, network="linkedin")
    other_network = link_mint(post=post, membership=employee, network="x")
    post_alone = link_mint(post=post)
    assert first.pk == again.pk
    assert len({first.pk, other_network.pk, post_alone.pk}) == 3
    assert len(first.code) >= 8 and first.code.isalnum()


def test_destination_carries_utm_and_keeps_its_own_query(post, employee):
    link = link_mint(post=post, membership=employee, network="linkedin")
    assert link.destination == (
        "https://acme.example/news?id=7&utm_source=linkedin&utm_medium=employee_advocacy"
        "&utm_campaign=launch#top"
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://acme.example/x", "//evil.example", ""]
)
def test_only_http_and_https_destinations(url):
    with pytest.raises(ValidationError):
        tracked_destination(url, network="x", campaign="")


def test_a_member_of_another_organization_gets_no_link(post):
    stranger = MembershipFactory()
    with pytest.raises(ValidationError):
        link_mint(post=post, membership=stranger, network="x")


def test_redirect_answers_302_and_other_paths_go_to_django(edge, post, employee):
    link = link_mint(post=post, membership=employee, network="linkedin")
    status, headers, _ = call(edge, f"/l/{link.code}")
    assert status == 302
    assert headers["Location"] == link.destination
    assert call(edge, "/settings/")[2] == b"django"


@pytest.mark.parametrize(
    "path", ["/l/unknown123", "/l/", "/l/../admin", "/l/%2F%2Fevil.example", "/l/a"]
)
def test_unknown_codes_get_a_friendly_404(edge, path):
    status, headers, body = call(edge, path)
    assert status == 404
    assert "Location" not in headers
    assert b"Link not found" in body


def test_a_disabled_link_is_404(edge, post):
    link = link_mint(post=post)
    Link.objects.filter(pk=link.pk).update(is_active=False)
    assert call(edge, f"/l/{link.code}")[0] == 404


def test_a_withdrawn_post_leads_to_the_fallback_page_or_says_so(edge, post, organization):
    link = link_mint(post=post)
    post.state = PostState.ARCHIVED
    post.save(update_fields=["state"])
    status, _, body = call(edge, f"/l/{link.code}")
    assert status == 410
    assert b"withdrawn" in body
    LinkSettings.objects.create(organization=organization, fallback_url="https://acme.example/")
    status, headers, _ = call(edge, f"/l/{link.code}")
    assert (status, headers["Location"]) == (302, "https://acme.example/")


def test_query_parameters_cannot_change_the_destination(edge, post):
    link = link_mint(post=post)
    status, headers, _ = call(
        edge, f"/l/{link.code}", QUERY_STRING="next=https://evil.example&url=//evil.example"
    )
    assert status == 302
    assert headers["Location"] == link.destination


def test_other_methods_are_refused(edge, post):
    link = link_mint(post=post)
    assert call(edge, f"/l/{link.code}", method="POST")[0] == 405
    drain(edge)
    assert not Click.objects.exists()


def test_clicks_are_stored_by_the_drainer_not_the_request(edge, post, employee):
    link = link_mint(post=post, membership=employee, network="linkedin")
    call(edge, f"/l/{link.code}")
    assert not Click.objects.exists()
    assert drain(edge) == 1
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks, link.previews) == (1, 1, 0)
    click = Click.objects.get()
    assert click.device_class == "mobile"
    assert "203.0.113.7" not in click.visitor_key


def test_repeat_visits_within_a_day_are_clicks_but_not_unique(edge, post, employee):
    link = link_mint(post=post, membership=employee, network="x")
    for _ in range(3):
        call(edge, f"/l/{link.code}")
    call(edge, f"/l/{link.code}", ip="198.51.100.4")
    drain(edge)
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks) == (4, 2)


def test_bots_head_and_prefetch_are_previews(edge, post):
    link = link_mint(post=post)
    call(
        edge,
        f"/l/{link.code}",
        ua="LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    )
    call(edge, f"/l/{link.code}", method="HEAD")
    call(edge, f"/l/{link.code}", HTTP_SEC_PURPOSE="prefetch")
    drain(edge)
    link.refresh_from_db()
    assert (link.clicks, link.previews) == (0, 3)
    assert set(Click.objects.values_list("kind", flat=True)) == {"bot", "head", "prefetch"}


def test_draining_the_same_records_twice_counts_once(post):
    link = link_mint(post=post)
    record = ClickRecord(
        event_id="e1",
        moment=time.time(),
        link_id=link.pk,
        organization_id=link.organization_id,
        kind="click",
        bot="",
        referrer="",
        user_agent=IPHONE,
        visitor="abc",
        user_id=None,
    )
    assert clicks_store([record]) == 1
    assert clicks_store([record]) == 0
    link.refresh_from_db()
    assert link.clicks == 1


def test_last_click_keeps_the_latest_moment_whatever_the_order(post):
    link = link_mint(post=post)
    later, earlier = time.time(), time.time() - 3600

    def record(event_id, moment):
        return ClickRecord(
            event_id=event_id,
            moment=moment,
            link_id=link.pk,
            organization_id=link.organization_id,
            kind="click",
            bot="",
            referrer="https://www.linkedin.com/feed/",
            user_agent=IPHONE,
            visitor=event_id,
            user_id=None,
        )

    clicks_store([record("late", later)])
    clicks_store([record("early", earlier)])
    link.refresh_from_db()
    assert abs(link.last_click_at.timestamp() - later) < 0.001
    assert link.clicks == 2
    assert set(Click.objects.values_list("referrer_host", flat=True)) == {"www.linkedin.com"}


def test_a_record_survives_the_append_path_even_with_hostile_text():
    from chorus.links.sinks import decode, encode

    record = ClickRecord(
        event_id="abc",
        moment=1795550000.123456,
        link_id=7,
        organization_id=2,
        kind="click",
        bot="",
        referrer="https://x.example/\tfake\nline",
        user_agent="Evil\tUA\r\n1\t2\t3",
        visitor="f00",
        user_id=None,
    )
    line = encode(record)
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    back = decode(line)
    assert back.moment == record.moment and back.link_id == 7 and back.user_id is None
    assert back.user_agent == "Evil UA  1 2 3"
    assert decode(encode(record._replace(user_id=42))).user_id == 42
    with pytest.raises(ValueError):
        decode(b'{"id": "x"}\n')


def test_lines_written_by_running_processes_are_still_read_the_same():
    from chorus.links.sinks import decode, encode

    # Version 2 (today's) and version 1 (before previous_visitor and outcome), as written.
    line = b"2\tabc\t1795550000.5\t7\t2\tclick\t\tx.example\tUA\tf00\t42\te11\tfallback\n"
    record = ClickRecord(
        event_id="abc",
        moment=1795550000.5,
        link_id=7,
        organization_id=2,
        kind="click",
        referrer="x.example",
        user_agent="UA",
        visitor="f00",
        user_id=42,
        previous_visitor="e11",
        outcome="fallback",
    )
    assert decode(line) == record
    assert encode(record) == line
    old = b"1\tabc\t1795550000.5\t7\t2\tbot\tSlackbot\t\tUA\tf00\t\n"
    assert decode(old) == ClickRecord(
        event_id="abc",
        moment=1795550000.5,
        link_id=7,
        organization_id=2,
        kind="bot",
        bot="Slackbot",
        user_agent="UA",
        visitor="f00",
    )


def test_preload_fills_the_cache_so_lookups_need_no_query(
    post, organization, django_assert_num_queries
):
    active = link_mint(post=post, network="x")
    disabled = link_mint(post=post, network="linkedin")
    Link.objects.filter(pk=disabled.pk).update(is_active=False)
    resolver = LinkResolver(ttl=60)
    assert resolver.preload(100) == 1
    with django_assert_num_queries(0):
        target = resolver.get(active.code)
    assert target.location == active.destination
    # A code the preload did not take is still looked up (and is unknown when disabled).
    assert resolver.get(disabled.code) is None


def test_preload_keeps_the_newest_links_first(post):
    codes = [link_mint(post=post, network=network).code for network in ("x", "linkedin", "bluesky")]
    resolver = LinkResolver(ttl=60)
    assert resolver.preload(2) == 2
    assert set(resolver._cache) == set(codes[1:])


def test_a_fallback_page_with_non_ascii_text_is_stored_so_the_redirect_can_use_it(
    edge, post, organization, admin_member
):
    from chorus.links.services.links import link_settings_update

    link = link_mint(post=post)
    link_settings_update(
        organization=organization,
        actor=admin_member.user,
        short_domain="",
        fallback_url="https://bücher.example/straße?q=ä",
    )
    post.state = PostState.ARCHIVED
    post.save(update_fields=["state"])
    status, headers, _ = call(edge, f"/l/{link.code}")
    assert status == 302
    assert headers["Location"] == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4"


@pytest.mark.parametrize(
    "bad", ["https://acme.example:99999/", "javascript:alert(1)", "https:///x"]
)
def test_a_fallback_page_the_redirect_could_not_send_is_refused(bad):
    from chorus.links.services.links import fallback_url_clean

    with pytest.raises(ValidationError):
        fallback_url_clean(bad)
