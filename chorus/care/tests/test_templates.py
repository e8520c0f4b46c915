"""Approved replies: variables, compliance and per-network length checked on save, audited;
the composer offers the templates matching the conversation first."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from chorus.care.models import ReplyTemplate
from chorus.care.selectors.templates import templates_for_conversation
from chorus.care.services.templates import (
    TemplateFields,
    template_create,
    template_render,
    template_update,
)
from chorus.content.models import ComplianceRule, RuleKind
from chorus.core.models import AuditEvent
from chorus.factories import (
    CareTagFactory,
    ConversationFactory,
    MembershipFactory,
    ReplyTemplateFactory,
)


@pytest.fixture
def approver(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_approver=True, user__name="Ada Byron")


def fields(**values: Any) -> TemplateFields:
    defaults: dict[str, Any] = {
        "name": "Delivery",
        "body": "Hi {customer}, {first_name} here: we are on it. {link}",
        "link": "https://acme.example/help",
    }
    defaults.update(values)
    return TemplateFields(**defaults)


def test_an_approver_creates_a_template_and_it_is_audited(approver: Any) -> None:
    template = template_create(membership=approver, fields=fields(language="EN"))
    assert template.language == "en"
    assert AuditEvent.objects.filter(action="care.template_created").count() == 1
    template_update(membership=approver, template=template, fields=fields(name="Late parcel"))
    template.refresh_from_db()
    assert template.name == "Late parcel"
    assert AuditEvent.objects.filter(action="care.template_updated").count() == 1


def test_unknown_variables_are_refused_with_the_ones_allowed(approver: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        template_create(membership=approver, fields=fields(body="Hi {name}, sorry!"))
    message = " ".join(refused.value.messages)
    assert "{name}" in message and "{customer}" in message and "{first_name}" in message
    assert not ReplyTemplate.objects.exists()


def test_a_text_too_long_for_x_once_filled_asks_for_a_shorter_x_text(approver: Any) -> None:
    # 250 characters fit X's 280, but not with a long handle and first name filled in.
    body = "{customer} {first_name} " + "a" * 250
    with pytest.raises(ValidationError) as refused:
        template_create(membership=approver, fields=fields(body=body, link=""))
    assert "shorter text for X" in " ".join(refused.value.messages)
    template = template_create(
        membership=approver,
        fields=fields(
            body=body,
            link="",
            network_bodies={"x": "Hi {customer}, DM us!", "bluesky": "Hi {customer}!"},
        ),
    )
    assert template.network_bodies == {"x": "Hi {customer}, DM us!", "bluesky": "Hi {customer}!"}


def test_a_blocked_term_is_refused_on_save(organization: Any, approver: Any) -> None:
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="refund guaranteed"
    )
    with pytest.raises(ValidationError) as refused:
        template_create(
            membership=approver, fields=fields(body="Hi {customer}, refund guaranteed!")
        )
    assert "refund guaranteed" in " ".join(refused.value.messages)


def test_link_variable_needs_a_link(approver: Any) -> None:
    with pytest.raises(ValidationError):
        template_create(membership=approver, fields=fields(link=""))


def test_an_employee_cannot_keep_templates(organization: Any) -> None:
    employee: Any = MembershipFactory(organization=organization)
    with pytest.raises(ValidationError):
        template_create(membership=employee, fields=fields())


def test_rendering_fills_the_customer_and_the_members_first_name(organization: Any) -> None:
    member: Any = MembershipFactory(organization=organization, user__name="Emma Stone")
    conversation: Any = ConversationFactory(organization=organization, customer_handle="@carla")
    template: Any = ReplyTemplateFactory(organization=organization)
    text = template_render(template=template, conversation=conversation, membership=member)
    assert text == "Hi @carla, I am Emma from the team: we are on it. https://acme.example/help"


def test_the_composer_offers_matching_language_and_tags_first(organization: Any) -> None:
    billing: Any = CareTagFactory(organization=organization, name="Billing")
    conversation: Any = ConversationFactory(organization=organization, language="de")
    conversation.tags.add(billing)
    other: Any = ReplyTemplateFactory(organization=organization, name="A english", language="en")
    generic: Any = ReplyTemplateFactory(organization=organization, name="B any")
    tagged: Any = ReplyTemplateFactory(organization=organization, name="C any billing")
    tagged.tags.add(billing)
    german: Any = ReplyTemplateFactory(organization=organization, name="D deutsch", language="de")
    ReplyTemplateFactory(organization=organization, name="E off", is_active=False)
    offered = templates_for_conversation(conversation=conversation)
    assert offered == [german, tagged, generic, other]


def test_templates_pages_are_for_approvers(client: Any, organization: Any, approver: Any) -> None:
    employee: Any = MembershipFactory(organization=organization)
    client.force_login(employee.user)
    assert client.get("/care/templates/").status_code == 403
    client.force_login(approver.user)
    assert client.get("/care/templates/").status_code == 200
    response = client.post(
        "/care/templates/new/",
        {"name": "Sorry", "body": "Hi {nope}", "link": "", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Hi {nope}" in response.content.decode()  # what was typed is kept
    response = client.post(
        "/care/templates/new/",
        {"name": "Sorry", "body": "Hi {customer}, sorry!", "is_active": "on"},
    )
    assert response.status_code == 302
    template = ReplyTemplate.objects.get(name="Sorry")
    foreign: Any = ReplyTemplateFactory()
    assert client.get(f"/care/templates/{foreign.pk}/").status_code == 404
    assert client.post(f"/care/templates/{template.pk}/delete/").status_code == 302
    assert not ReplyTemplate.objects.filter(pk=template.pk).exists()


def test_templates_api_crud(client: Any, approver: Any) -> None:
    from chorus.accounts.services.tokens import api_token_create

    _, secret = api_token_create(membership=approver, name="t")
    auth = {"Authorization": f"Bearer {secret}"}
    created = client.post(
        "/api/v1/care/templates",
        {"name": "Hello", "body": "Hi {customer}!", "network_bodies": {"x": "Hi!"}},
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]
    refused = client.put(
        f"/api/v1/care/templates/{template_id}",
        {"name": "Hello", "body": "Hi {who}!"},
        content_type="application/json",
        headers=auth,
    )
    assert refused.status_code == 422
    assert "{who}" in refused.json()["detail"]
    assert client.get("/api/v1/care/templates", headers=auth).json()[0]["name"] == "Hello"
    deleted = client.delete(f"/api/v1/care/templates/{template_id}", headers=auth)
    assert deleted.status_code == 204
