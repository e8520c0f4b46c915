"""The one validator for web addresses: what it refuses, and why it says so."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from ninja import Schema

from chorus.core.validators import (
    MAX_URL_LENGTH,
    WebURL,
    WebURLFormField,
    WebURLOrBlank,
    web_url_clean,
)


def refused(value: str, **options: bool) -> str:
    with pytest.raises(ValidationError) as refusal:
        web_url_clean(value, **options)
    return " ".join(refusal.value.messages)


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("JaVaScRiPt:alert(1)//https://example.com", "javascript"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data"),
        ("file:///etc/passwd", "file"),
        ("gopher://evil.example:70/1", "gopher"),
        ("ftp://example.com/file", "ftp"),
        ("mailto:ada@example.com", "mailto"),
    ],
)
def test_only_http_and_https_are_accepted_and_the_refusal_names_the_scheme(url, scheme):
    message = refused(url)
    assert f"“{scheme}:” addresses are not accepted" in message
    assert "https://" in message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("example.com/page", "Start the address with https://"),
        ("//evil.example/x", "Start the address with https://"),
        ("https://", "no host name"),
        ("http:example.com", "no host name"),
        ("https://ada:secret@example.com/", "user name and password"),
        ("https://bank.example@evil.example/", "user name and password"),
        ("https://example.com/a b", "no spaces"),
        ("java\tscript:alert(1)", "no spaces"),
        ("https://example.com/\u202egpj.exe", "invisible characters"),
        ("https://example.com:99999/", "not a valid web address"),
        ("https://exa_mple..com/", "not a valid web address"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "too long (2,000 characters at most)"),
        ("", "Enter a web address"),
    ],
)
def test_other_refusals_say_why(url, reason):
    assert reason in refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "HTTP://EXAMPLE.COM/Page?q=1#top",
        "https://bücher.de/straße",
        "https://xn--bcher-kva.de/",
        "https://news.example:8443/feed.xml",
        "http://203.0.113.9/status",
    ],
)
def test_web_addresses_pass_as_they_are(url):
    assert web_url_clean(f"  {url} ") == url


def test_blank_is_allowed_only_when_asked():
    assert web_url_clean("  ", blank=True) == ""
    assert "Enter a web address" in refused("  ")


def test_the_form_field_assumes_https_and_refuses_other_schemes():
    field = WebURLFormField(required=False)
    assert field.clean("example.com/page") == "https://example.com/page"
    assert field.clean("") == ""
    with pytest.raises(ValidationError, match="gopher:"):
        field.clean("gopher://evil.example/")


class _Body(Schema):
    url: WebURL
    optional: WebURLOrBlank = ""


def test_the_api_types_refuse_with_the_reason():
    assert _Body(url="https://example.com/").url == "https://example.com/"
    with pytest.raises(ValueError, match="“data:” addresses are not accepted"):
        _Body(url="data:text/html,hi")
    with pytest.raises(ValueError, match="“file:” addresses are not accepted"):
        _Body(url="https://example.com/", optional="file:///etc/passwd")
    assert _Body(url="https://example.com/", optional=" ").optional == ""
