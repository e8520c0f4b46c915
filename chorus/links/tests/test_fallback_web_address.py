"""The fallback page of withdrawn links goes through the one web-address validator
(chorus.core.validators), like every other address people give Chorus."""

from __future__ import annotations

import html

import pytest

from chorus.links.models import LinkSettings


def save_fallback(client, fallback_url):
    return client.post(
        "/manage/organization/",
        {"section": "links", "links-short_domain": "", "links-fallback_url": fallback_url},
    )


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("file:///etc/passwd", "file"),
        ("gopher://acme.example/", "gopher"),
    ],
)
def test_a_fallback_page_that_is_not_a_web_address_is_refused_saying_why(admin_client, url, scheme):
    response = save_fallback(admin_client, url)
    assert response.status_code == 400
    assert f"“{scheme}:” addresses are not accepted" in html.unescape(response.content.decode())
    assert not LinkSettings.objects.exists()


def test_a_fallback_page_given_as_a_web_address_is_saved(admin_client, organization):
    assert save_fallback(admin_client, "https://acme.example/news").status_code == 302
    stored = LinkSettings.objects.get(organization=organization)
    assert stored.fallback_url == "https://acme.example/news"
