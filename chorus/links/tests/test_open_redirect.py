"""The redirect never sends anyone to a destination nobody in the organization chose.

The Location header comes only from the link's destination (minted from the post's own link,
http/https only) or the organization's fallback page. Nothing the visitor sends — path,
query, headers, Host — changes it, and nothing can inject a header.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chorus.content.models import PostState
from chorus.factories import PostFactory
from chorus.links.edge import LinkEdge, LinkResolver, safe_location
from chorus.links.models import Click, Link, LinkSettings
from chorus.links.services.links import link_mint, tracked_destination
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import call, django_app, drain


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


@pytest.fixture
def link(organization):
    post = PostFactory(
        organization=organization, link_url="https://acme.example/news", state=PostState.LIVE
    )
    return link_mint(post=post, network="linkedin")


def locations(edge, path, **extra):
    status, headers, _ = call(edge, path, **extra)
    return status, headers.get("Location")


@pytest.mark.parametrize(
    "suffix",
    [
        "/extra",
        "/evil.example",
        "//evil.example",
        ".",
        "%2F%2Fevil.example",
        "\r\nLocation: https://evil.example",
        "%0d%0aLocation:%20https://evil.example",
        "\nSet-Cookie: a=b",
        " ",
        "%00",
        "\x00",
        "@evil.example",
        "?",  # a literal "?" in the path (a server would have split it off)
    ],
)
def test_anything_after_the_code_is_not_a_link(edge, link, suffix):
    assert locations(edge, f"/l/{link.code}{suffix}") == (404, None)


@pytest.mark.parametrize(
    "path",
    [
        "/l//evil.example",
        "/l///evil.example",
        "/l/%2F%2Fevil.example",
        "/l/%2f%2fevil.example",
        "/l/https://evil.example",
        "/l/https:%2F%2Fevil.example",
        "/l/\\\\evil.example",
        "/l/..%2F..%2Fadmin",
        "/l/" + "a" * 17,  # longer than any code
        "/l/" + "A" * 10_000,
        "/l/abc",  # shorter than any code
    ],
)
def test_crafted_paths_are_404(edge, link, path):
    assert locations(edge, path) == (404, None)


def test_a_code_with_its_case_changed_is_another_code(edge, link):
    assert locations(edge, f"/l/{link.code.swapcase()}") == (404, None)


@pytest.mark.parametrize(
    "lookalike",
    [
        # Full-width letters, Cyrillic and Greek look-alikes, as UTF-8 bytes decoded as
        # latin-1 (what a WSGI server puts in PATH_INFO) and as real characters.
        # (a code without capitals gets a full-width "A" of its own)
        lambda code: (
            "".join(chr(0xFF21 + ord(c) - 65) if c.isupper() else c for c in code)
            + ("" if any(c.isupper() for c in code) else "\uff21")
        ),
        lambda code: (
            code.replace("a", "\u0430").replace("o", "\u043e").replace("e", "\u0435")
            + ("\u0430" if not {"a", "o", "e"} & set(code) else "")
        ),
        lambda code: code[:-1] + "\u0391",
        lambda code: (code[:-1] + "\u0391").encode().decode("latin-1"),
        lambda code: code + "\u200b",  # zero-width space
        lambda code: code[:-1] + "\uff10",  # full-width zero
    ],
)
def test_unicode_lookalike_codes_are_404(edge, link, lookalike):
    assert locations(edge, f"/l/{lookalike(link.code)}") == (404, None)


@pytest.mark.parametrize(
    "query",
    [
        "next=https://evil.example",
        "url=//evil.example&redirect=https://evil.example",
        "to=javascript:alert(1)",
        "next=%0d%0aLocation:%20https://evil.example",
        "utm_source=evil&destination=https://evil.example",
    ],
)
def test_the_query_never_changes_the_location(edge, link, query):
    assert locations(edge, f"/l/{link.code}", QUERY_STRING=query) == (302, link.destination)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_HOST": "evil.example"},
        {"HTTP_HOST": "evil.example", "SERVER_NAME": "evil.example"},
        {"HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PROTO": "http"},
        {"HTTP_X_ORIGINAL_URL": "/l//evil.example", "HTTP_X_REWRITE_URL": "//evil.example"},
        {"HTTP_REFERER": "https://evil.example/\r\nX-Injected: 1"},
        {"HTTP_COOKIE": "chorus_member=forged; next=https://evil.example"},
    ],
)
def test_host_and_other_headers_never_change_the_location(edge, link, headers):
    assert locations(edge, f"/l/{link.code}", **headers) == (302, link.destination)


def test_a_visitors_user_agent_with_line_breaks_is_only_data(edge, link):
    ua = "Mozilla/5.0\r\nLocation: https://evil.example"
    assert locations(edge, f"/l/{link.code}", ua=ua) == (302, link.destination)
    drain(edge)
    assert Click.objects.count() == 1


# Destinations: minted only from http and https links.


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)//https://acme.example",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://acme.example/file",
        "//evil.example/path",
        "///evil.example",
        "https:\\\\evil.example",
        "https:/\\evil.example",
        "https:evil.example",
        "https://",
        "http://[::1",
        "https://acme.example:99999/",
        "mailto:a@acme.example",
        "vbscript:msgbox(1)",
        "",
    ],
)
def test_only_http_and_https_links_can_be_tracked(url):
    with pytest.raises(ValidationError):
        tracked_destination(url, network="x", campaign="")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example"])
def test_a_post_with_such_a_link_gets_no_link(organization, url):
    post = PostFactory(organization=organization, link_url=url, state=PostState.LIVE)
    with pytest.raises(ValidationError):
        link_mint(post=post)
    assert not Link.objects.exists()


def test_userinfo_in_the_posts_own_link_is_what_the_organization_chose(edge, organization):
    # "https://acme.example@evil.example" goes to evil.example: a curator chose that link
    # for the post, so it is allowed — the redirect follows the post, not the visitor.
    post = PostFactory(
        organization=organization,
        link_url="https://acme.example@evil.example/page",
        state=PostState.LIVE,
    )
    link = link_mint(post=post)
    assert link.destination.startswith("https://acme.example@evil.example/page?")
    assert locations(edge, f"/l/{link.code}", QUERY_STRING="next=https://other.example") == (
        302,
        link.destination,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Line breaks and tabs inside a link are dropped (as browsers do), never sent on.
        ("https://acme.example/a\r\nSet-Cookie: x=1", "https://acme.example/aSet-Cookie:%20x=1?"),
        ("https://acme.example/\tpath", "https://acme.example/path?"),
        # Control characters, spaces and non-ASCII are escaped; hosts become IDNA.
        ("https://acme.example/a\x00b", "https://acme.example/a%00b?"),
        ("https://acme.example/a b", "https://acme.example/a%20b?"),
        ("https://acme.example/café", "https://acme.example/caf%C3%A9?"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/?"),
        # A backslash means "/" to a browser but not to us: escaped, it means the same to both.
        ("https://acme.example\\@evil.example/", "https://acme.example%5C@evil.example/?"),
        # The link's own query is kept as it was, ours replaced.
        ("https://acme.example/?amp&q=%E9&utm_source=old", "https://acme.example/?amp&q=%E9&"),
    ],
)
def test_destinations_are_clean_ascii_urls(url, expected):
    destination = tracked_destination(url, network="x", campaign="")
    assert destination.startswith(expected)
    assert destination.endswith("utm_source=x&utm_medium=employee_advocacy")
    assert safe_location(destination)


def test_an_overlong_link_is_refused():
    with pytest.raises(ValidationError):
        tracked_destination("https://acme.example/" + "a" * 4000, network="x", campaign="")


def test_a_minted_unicode_link_redirects_with_a_latin1_header(edge, organization):
    post = PostFactory(
        organization=organization, link_url="https://bücher.example/straße?q=ü", state="live"
    )
    link = link_mint(post=post)
    status, location = locations(edge, f"/l/{link.code}")
    assert status == 302
    assert (
        location
        == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC&utm_source=chorus&utm_medium=employee_advocacy"
    )


# Rows written some other way than minting (an admin shell, a bad import) still cannot be
# used to send people anywhere unsafe or inject headers.


@pytest.mark.parametrize(
    "destination",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "//evil.example",
        "https:\\\\evil.example",
        "https://acme.example/\r\nSet-Cookie: x=1",
        "https://acme.example/\nLocation: https://evil.example",
        "https://acme.example/ x",
        "https://bücher.example/",
        "ftp://acme.example/",
    ],
)
def test_an_unsafe_stored_destination_is_never_sent(edge, link, destination):
    Link.objects.filter(pk=link.pk).update(destination=destination)
    assert locations(edge, f"/l/{link.code}") == (404, None)


@pytest.mark.parametrize(
    "fallback", ["javascript:alert(1)", "https://acme.example/\r\nX: 1", "ftp://acme.example/"]
)
def test_an_unsafe_fallback_page_is_never_sent(edge, link, organization, fallback):
    LinkSettings.objects.create(organization=organization, fallback_url=fallback)
    Link.objects.filter(pk=link.pk).update()
    link.post.state = PostState.ARCHIVED
    link.post.save(update_fields=["state"])
    assert locations(edge, f"/l/{link.code}") == (404, None)


def test_the_organizations_fallback_page_is_followed(edge, link, organization):
    LinkSettings.objects.create(organization=organization, fallback_url="https://acme.example/gone")
    link.post.state = PostState.ARCHIVED
    link.post.save(update_fields=["state"])
    assert locations(edge, f"/l/{link.code}") == (302, "https://acme.example/gone")
