"""Every web address the content pages and the API accept goes through one validator
(chorus.core.validators): a post's link, a source, a suggestion, the link checked with a
caption. javascript:, data:, file: and gopher: are refused everywhere, saying why."""

from __future__ import annotations

import html
import json

import pytest
import respx
from django.core.exceptions import ValidationError
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.content.models import Post, Source, Suggestion
from chorus.content.services import posts as post_services
from chorus.content.tests.feed_server import rss
from chorus.factories import MembershipFactory, PostFactory

BAD = [
    ("javascript:alert(document.cookie)", "javascript"),
    ("data:text/html,<script>alert(1)</script>", "data"),
    ("file:///etc/passwd", "file"),
    ("gopher://evil.example:70/1", "gopher"),
]
GOOD = "https://news.example/2030/launch?ref=chorus"


def refusal(scheme: str) -> str:
    return f"“{scheme}:” addresses are not accepted"


def api(client, membership):
    _, secret = account_services.api_token_create(membership=membership, name="test")

    def call(method, path, body):
        return client.generic(
            method,
            "/api/v1" + path,
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )

    return call


def reason(response):
    """The 422's reason: a sentence, or pydantic's list of problems."""
    detail = response.json()["detail"]
    return str(detail) if isinstance(detail, str) else " ".join(e["msg"] for e in detail)


def page(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True, is_admin=True)


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator.user)
    return client


@pytest.fixture
def advocate(employee):
    employee.program_status = ProgramStatus.JOINED
    employee.save(update_fields=["program_status"])
    return employee


@pytest.fixture
def feed():
    with respx.mock(assert_all_called=False) as router:
        router.get(GOOD).respond(
            200,
            text=rss({"title": "Launch", "link": "https://news.example/a"}),
            headers={"Content-Type": "application/rss+xml"},
        )
        router.get(url__startswith="https://news.example/").respond(404)
        yield router


# A post's link --------------------------------------------------------------------------


def post_form(link_url: str) -> dict[str, str]:
    return {
        "title": "Launch",
        "commentary": "",
        "link_url": link_url,
        "caption_mode": "editable",
        "target": "all",
        "topics": "",
        "campaign": "",
        "caption_linkedin": "We launched.",
    }


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_post_form_refuses_a_link_that_is_not_a_web_address(curator_client, url, scheme):
    response = curator_client.post(reverse("post_create"), post_form(url))
    assert response.status_code == 400
    assert refusal(scheme) in page(response)
    assert not Post.objects.exists()


def test_the_post_form_takes_a_web_address(curator_client):
    with respx.mock(assert_all_called=False):
        response = curator_client.post(reverse("post_create"), post_form(GOOD))
    assert response.status_code == 302
    assert Post.objects.get().link_url == GOOD


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_posts_api_refuses_a_link_that_is_not_a_web_address(
    client, organization, curator, url, scheme
):
    call = api(client, curator)
    created = call("POST", "/posts", {"title": "Launch", "link_url": url})
    assert created.status_code == 422
    assert refusal(scheme) in reason(created)
    assert not Post.objects.exists()
    post = PostFactory(organization=organization, link_url=GOOD)
    patched = call("PATCH", f"/posts/{post.pk}", {"link_url": url})
    assert patched.status_code == 422
    assert refusal(scheme) in reason(patched)
    post.refresh_from_db()
    assert post.link_url == GOOD


def test_the_posts_api_takes_a_web_address_or_none(client, organization, curator):
    call = api(client, curator)
    with respx.mock(assert_all_called=False):
        created = call("POST", "/posts", {"title": "Launch", "link_url": GOOD})
        assert created.status_code == 201, created.content
        assert created.json()["link_url"] == GOOD
        patched = call("PATCH", f"/posts/{created.json()['id']}", {"link_url": ""})
    assert patched.status_code == 200, patched.content
    assert patched.json()["link_url"] == ""


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_post_service_refuses_a_link_that_is_not_a_web_address(
    organization, curator, url, scheme
):
    # Whatever calls it (a suggestion accepted, a queue item turned into a draft...).
    with pytest.raises(ValidationError) as refused:
        post_services.post_create(
            organization=organization, actor=curator.user, title="Launch", link_url=url
        )
    assert refusal(scheme) in " ".join(refused.value.message_dict["link_url"])


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_models_refuse_what_is_not_a_web_address_in_the_admin_too(
    organization, advocate, url, scheme
):
    # The Django admin validates with the model fields' validators.
    for instance, field in [
        (Post(organization=organization, title="Launch", link_url=url), "link_url"),
        (Source(organization=organization, url=url), "url"),
        (Suggestion(organization=organization, membership=advocate, url=url, reason="r"), "url"),
    ]:
        with pytest.raises(ValidationError) as refused:
            instance.full_clean()
        assert refusal(scheme) in " ".join(refused.value.message_dict[field])


# A source -------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_source_form_refuses_what_is_not_a_web_address(curator_client, url, scheme):
    response = curator_client.post(reverse("sources"), {"url": url})
    assert refusal(scheme) in page(response)
    assert not Source.objects.exists()


def test_the_source_form_takes_a_web_address(curator_client, organization, feed):
    response = curator_client.post(reverse("sources"), {"url": GOOD})
    assert response.status_code == 302
    assert Source.objects.get(organization=organization).url == GOOD


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_sources_api_refuses_what_is_not_a_web_address(client, curator, url, scheme):
    response = api(client, curator)("POST", "/sources", {"url": url})
    assert response.status_code == 422
    assert refusal(scheme) in reason(response)
    assert not Source.objects.exists()


def test_the_sources_api_takes_a_web_address(client, curator, feed):
    response = api(client, curator)("POST", "/sources", {"url": GOOD})
    assert response.status_code == 201, response.content
    assert response.json()["url"] == GOOD


# A suggestion ---------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_suggestion_form_refuses_what_is_not_a_web_address(client, advocate, url, scheme):
    client.force_login(advocate.user)
    response = client.post(reverse("suggestion_create"), {"url": url, "reason": "Read it."})
    assert response.status_code == 400
    assert refusal(scheme) in page(response)
    assert not Suggestion.objects.exists()


def test_the_suggestion_form_takes_a_web_address(client, advocate):
    client.force_login(advocate.user)
    response = client.post(reverse("suggestion_create"), {"url": GOOD, "reason": "Read it."})
    assert response.status_code == 302
    assert Suggestion.objects.get().url == GOOD


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_suggestions_api_refuses_what_is_not_a_web_address(client, advocate, url, scheme):
    response = api(client, advocate)("POST", "/suggestions", {"url": url, "reason": "Read it."})
    assert response.status_code == 422
    assert refusal(scheme) in reason(response)
    assert not Suggestion.objects.exists()


def test_the_suggestions_api_takes_a_web_address(client, advocate):
    response = api(client, advocate)("POST", "/suggestions", {"url": GOOD, "reason": "Read it."})
    assert response.status_code == 201, response.content
    assert Suggestion.objects.get().url == GOOD


# The link checked with a caption --------------------------------------------------------


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_check_form_refuses_a_link_that_is_not_a_web_address(curator_client, url, scheme):
    data = {"network": "linkedin", "text": "We launched.", "link_url": url}
    response = curator_client.post(reverse("rules_check"), data)
    assert response.status_code == 400
    assert refusal(scheme) in page(response)


def test_the_check_form_takes_a_web_address(curator_client):
    data = {"network": "linkedin", "text": "We launched.", "link_url": GOOD}
    assert curator_client.post(reverse("rules_check"), data).status_code == 200


@pytest.mark.parametrize(("url", "scheme"), BAD)
def test_the_check_api_refuses_a_link_that_is_not_a_web_address(client, employee, url, scheme):
    body = {"network": "linkedin", "text": "We launched.", "link_url": url}
    response = api(client, employee)("POST", "/compliance/check", body)
    assert response.status_code == 422
    assert refusal(scheme) in reason(response)


def test_the_check_api_takes_a_web_address(client, employee):
    body = {"network": "linkedin", "text": "We launched.", "link_url": GOOD}
    assert api(client, employee)("POST", "/compliance/check", body).status_code == 200
