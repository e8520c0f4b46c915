"""Unique clicks (first of a visitor on a link in 24 hours) and self-clicks (the sharer's own).

Visitor keys rotate every day (UTC) and never contain the IP address. The sharer is
recognised by the signed `chorus_member` cookie the site sets while they browse it, or by
the visitor key of their own session that day when the cookie is not sent.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import signing

from chorus.content.models import PostState
from chorus.factories import MembershipFactory, PostFactory
from chorus.links.edge import MEMBER_COOKIE, LinkEdge, LinkResolver, member_cookie_value
from chorus.links.models import Click, MemberVisitorKey
from chorus.links.services.links import clicks_store, link_mint
from chorus.links.sinks import ClickRecord, FileSink
from chorus.links.tests.edge_client import IPHONE, call, django_app, drain
from chorus.links.visitors import visitor_key

IP = "203.0.113.7"
SHARER_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.5 Safari/605.1.15"
)
NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


@pytest.fixture
def link(organization, employee):
    post = PostFactory(
        organization=organization, link_url="https://acme.example/", state=PostState.LIVE
    )
    return link_mint(post=post, membership=employee, network="linkedin")


def record(link, moment, *, visitor="visitor-1", kind="click", user=None, event=None):
    return ClickRecord(
        event_id=event or f"e{random.getrandbits(64):x}",
        moment=moment.timestamp(),
        link_id=link.pk,
        organization_id=link.organization_id,
        kind=kind,
        bot="",
        referrer="",
        user_agent=IPHONE,
        visitor=visitor,
        user_id=user,
    )


def counts(link):
    link.refresh_from_db()
    return link.clicks, link.unique_clicks, link.self_clicks


# Unique within 24 hours ---------------------------------------------------------------


def test_a_repeat_after_23_hours_is_a_click_but_not_unique(link):
    clicks_store([record(link, NOON)])
    clicks_store([record(link, NOON + timedelta(hours=23))])
    assert counts(link) == (2, 1, 0)


def test_a_repeat_after_25_hours_is_unique_again(link):
    clicks_store([record(link, NOON)])
    clicks_store([record(link, NOON + timedelta(hours=25))])
    assert counts(link) == (2, 2, 0)


def test_exactly_24_hours_later_is_unique_again(link):
    clicks_store([record(link, NOON), record(link, NOON + timedelta(hours=24))])
    assert counts(link) == (2, 2, 0)


def test_uniqueness_is_per_link(link, organization, employee):
    other = link_mint(post=link.post, membership=employee, network="x")
    clicks_store([record(link, NOON), record(other, NOON + timedelta(minutes=1))])
    assert counts(link) == (1, 1, 0)
    assert counts(other) == (1, 1, 0)


def test_previews_do_not_use_up_a_visitors_unique_click(link):
    clicks_store([record(link, NOON, kind="bot"), record(link, NOON, kind="head")])
    clicks_store([record(link, NOON + timedelta(minutes=1))])
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks, link.previews) == (1, 1, 2)


def test_out_of_order_records_in_one_batch_are_decided_in_time_order(link):
    moments = [NOON + timedelta(hours=h) for h in (30, 1, 0, 23, 26)]
    records = [record(link, moment, event=f"e{i}") for i, moment in enumerate(moments)]
    clicks_store(records)
    unique = set(Click.objects.filter(is_unique=True).values_list("created_at", flat=True))
    # In time order: 0, 1, 23, 26, 30 h. Each comes within 24 h of the visitor's click
    # before it, so only the first is unique.
    assert unique == {NOON}
    assert counts(link) == (5, 1, 0)


def test_out_of_order_records_apart_by_more_than_a_day_are_both_unique(link):
    later, earlier = NOON + timedelta(hours=30), NOON
    clicks_store([record(link, later, event="late"), record(link, earlier, event="early")])
    assert counts(link) == (2, 2, 0)
    assert set(Click.objects.values_list("event_id", "is_unique")) == {
        ("early", True),
        ("late", True),
    }


def test_a_batch_older_than_a_stored_click_does_not_count_it_twice(link):
    # Another process's file with earlier clicks is drained after a later one.
    clicks_store([record(link, NOON + timedelta(hours=10), event="stored")])
    clicks_store(
        [record(link, NOON, event="old"), record(link, NOON + timedelta(hours=25), event="new")]
    )
    # "new" is 15 h after the stored click, so it is a repeat, although it is 25 h after
    # "old", the click before it in its own batch.
    assert Click.objects.get(event_id="new").is_unique is False
    assert counts(link)[0] == 3


# Visitor keys -------------------------------------------------------------------------


def test_visitor_keys_rotate_daily_and_never_contain_the_ip():
    monday, tuesday = date(2025, 3, 10), date(2025, 3, 11)
    key = visitor_key(IP, IPHONE, monday)
    assert key == visitor_key(IP, IPHONE, monday)
    assert key != visitor_key(IP, IPHONE, tuesday)
    assert key != visitor_key("203.0.113.8", IPHONE, monday)
    assert key != visitor_key(IP, SHARER_UA, monday)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    # A keyed hash: neither the address (in any spelling) nor an unkeyed hash of it.
    packed = bytes(int(octet) for octet in IP.split(".")).hex()
    for part in (IP, IP.replace(".", ""), packed):
        assert part not in key
    message = f"{IP}\n{IPHONE}".encode()
    assert key != hashlib.blake2b(message, digest_size=16).hexdigest()
    assert key not in {hashlib.md5(message).hexdigest(), hashlib.sha256(message).hexdigest()[:32]}


def test_the_same_visitor_on_another_day_is_another_visitor(edge, link):
    with time_machine.travel(NOON, tick=False):
        call(edge, f"/l/{link.code}", ip=IP)
        drain(edge)
    with time_machine.travel(NOON + timedelta(hours=25), tick=False):
        call(edge, f"/l/{link.code}", ip=IP)
        drain(edge)
    keys = list(Click.objects.order_by("created_at").values_list("visitor_key", flat=True))
    assert len(set(keys)) == 2
    assert counts(link) == (2, 2, 0)


def test_within_the_same_day_a_repeat_through_the_redirect_is_not_unique(edge, link):
    early = datetime(2025, 3, 10, 0, 30, tzinfo=UTC)
    with time_machine.travel(early, tick=False):
        call(edge, f"/l/{link.code}", ip=IP)
        drain(edge)
    with time_machine.travel(early + timedelta(hours=23), tick=False):
        call(edge, f"/l/{link.code}", ip=IP)
        drain(edge)
    assert counts(link) == (2, 1, 0)


def test_no_stored_click_holds_the_ip_address(edge, link):
    call(edge, f"/l/{link.code}", ip=IP, HTTP_REFERER="https://www.linkedin.com/feed/")
    drain(edge)
    row = Click.objects.values().get()
    assert IP not in " ".join(str(value) for value in row.values())
    assert row["referrer_host"] == "www.linkedin.com"


# Self-clicks --------------------------------------------------------------------------


def member_cookie(client, membership):
    """Sign in as the member and load a page: the site sets the cookie for /l/."""
    client.force_login(membership.user)
    response = client.get("/", HTTP_USER_AGENT=SHARER_UA, REMOTE_ADDR=IP)
    morsel = response.cookies[MEMBER_COOKIE]
    assert morsel["path"] == "/l/"
    assert morsel["httponly"]
    return morsel.value


def test_the_sharer_clicking_with_their_cookie_is_a_self_click(edge, link, employee, client):
    cookie = member_cookie(client, employee)
    status, headers, _ = call(
        edge,
        f"/l/{link.code}",
        ip="198.51.100.9",  # another network than their session: only the cookie tells
        HTTP_COOKIE=f"csrftoken=x; {MEMBER_COOKIE}={cookie}",
    )
    assert (status, headers["Location"]) == (302, link.destination)
    drain(edge)
    assert counts(link) == (0, 0, 1)
    click = Click.objects.get()
    assert (click.is_self, click.is_unique, click.kind) == (True, False, "click")


def test_the_sharer_without_the_cookie_is_known_by_their_visitor_key(edge, link, employee, client):
    member_cookie(client, employee)
    assert MemberVisitorKey.objects.filter(user=employee.user).exists()
    # Same phone/computer and network as their session, e.g. on the custom short domain
    # where the cookie is not sent.
    call(edge, f"/l/{link.code}", ip=IP, ua=SHARER_UA)
    drain(edge)
    assert counts(link) == (0, 0, 1)
    assert Click.objects.get().is_self


def test_a_self_click_does_not_use_up_a_unique_click(edge, link, employee, client):
    member_cookie(client, employee)
    call(edge, f"/l/{link.code}", ip=IP, ua=SHARER_UA)
    call(edge, f"/l/{link.code}", ip="198.51.100.20")
    drain(edge)
    assert counts(link) == (1, 1, 1)


def test_the_sharers_visitor_key_of_another_day_does_not_make_a_self_click(
    edge, link, employee, client
):
    with time_machine.travel(NOON, tick=False):
        member_cookie(client, employee)
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        call(edge, f"/l/{link.code}", ip=IP, ua=SHARER_UA)
        drain(edge)
    assert counts(link) == (1, 1, 0)


def test_another_member_is_not_the_sharer(edge, link, organization, client):
    colleague = MembershipFactory(organization=organization)
    cookie = member_cookie(client, colleague)
    call(edge, f"/l/{link.code}", ip=IP, ua=SHARER_UA, HTTP_COOKIE=f"{MEMBER_COOKIE}={cookie}")
    drain(edge)
    assert counts(link) == (1, 1, 0)
    assert not Click.objects.get().is_self


def tampered(value):
    user_id, rest = value.split(":", 1)
    return f"{signing.b64_encode(b'9999').decode()}:{rest}" if user_id else value


@pytest.mark.parametrize(
    "forge",
    [
        lambda employee, cookie: str(employee.user_id),
        lambda employee, cookie: signing.dumps(employee.user_id, salt="another salt"),
        lambda employee, cookie: signing.dumps(
            employee.user_id, salt="chorus.links.member", key="not-our-secret-key-0123456789"
        ),
        lambda employee, cookie: cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"),
        lambda employee, cookie: tampered(cookie),
        lambda employee, cookie: "",
        lambda employee, cookie: '"' + cookie + '"x',
    ],
)
def test_a_forged_or_tampered_cookie_is_not_trusted(
    edge, link, employee, organization, client, forge
):
    # The cookie of a colleague, edited to claim the sharer, or one we never signed.
    colleague = MembershipFactory(organization=organization)
    cookie = member_cookie(client, colleague)
    call(
        edge,
        f"/l/{link.code}",
        ip="198.51.100.9",
        HTTP_COOKIE=f"{MEMBER_COOKIE}={forge(employee, cookie)}",
    )
    drain(edge)
    assert counts(link) == (1, 1, 0)


def test_an_expired_cookie_is_not_trusted(edge, link, employee):
    with time_machine.travel(NOON - timedelta(days=401), tick=False):
        old = member_cookie_value(employee.user_id)
    call(edge, f"/l/{link.code}", ip="198.51.100.9", HTTP_COOKIE=f"{MEMBER_COOKIE}={old}")
    drain(edge)
    assert counts(link) == (1, 1, 0)


def test_a_link_without_a_sharer_has_no_self_clicks(edge, organization, employee, client):
    post = PostFactory(organization=organization, link_url="https://acme.example/", state="live")
    link = link_mint(post=post)
    cookie = member_cookie(client, employee)
    call(edge, f"/l/{link.code}", ip=IP, ua=SHARER_UA, HTTP_COOKIE=f"{MEMBER_COOKIE}={cookie}")
    drain(edge)
    assert counts(link) == (1, 1, 0)


def test_the_sharers_preview_fetch_is_a_preview_not_a_self_click(edge, link, employee, client):
    cookie = member_cookie(client, employee)
    call(edge, f"/l/{link.code}", method="HEAD", HTTP_COOKIE=f"{MEMBER_COOKIE}={cookie}")
    drain(edge)
    link.refresh_from_db()
    assert (link.clicks, link.self_clicks, link.previews) == (0, 0, 1)


def test_self_and_unique_decided_together_in_one_out_of_order_batch(link, employee):
    sharer = employee.user_id
    batch = [
        record(link, NOON + timedelta(minutes=5), visitor="v1", event="b"),
        record(link, NOON + timedelta(minutes=1), visitor="s", user=sharer, event="self"),
        record(link, NOON, visitor="v1", event="a"),
        record(link, NOON + timedelta(minutes=2), visitor="v2", event="c"),
    ]
    clicks_store(batch)
    stored = dict(Click.objects.values_list("event_id", "is_unique"))
    assert stored == {"a": True, "b": False, "self": False, "c": True}
    assert counts(link) == (3, 2, 1)


def test_the_clock_in_records_is_what_counts_not_the_drain_time(link):
    # Drained two days later, the 24-hour window still runs from the click times.
    with time_machine.travel(NOON + timedelta(days=2), tick=False):
        assert time.time() > (NOON + timedelta(days=1)).timestamp()
        clicks_store([record(link, NOON), record(link, NOON + timedelta(hours=1))])
    assert counts(link) == (2, 1, 0)


def test_member_cookie_is_set_once_per_session_and_removed_at_sign_out(client, employee):
    from chorus.links.edge import MEMBER_COOKIE

    client.force_login(employee.user)
    first = client.get("/")
    assert MEMBER_COOKIE in first.cookies
    assert first.cookies[MEMBER_COOKIE]["path"] == "/l/"
    again = client.get("/settings/")
    assert MEMBER_COOKIE not in again.cookies
    signed_out = client.post("/accounts/logout/")
    assert signed_out.cookies[MEMBER_COOKIE].value == ""
    assert signed_out.cookies[MEMBER_COOKIE]["max-age"] == 0
