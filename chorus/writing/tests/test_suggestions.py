"""Caption suggestions from a real OpenAI-compatible server on loopback (not a mock)."""

from __future__ import annotations

import pytest
from django.db import connection

from chorus.content.models import ComplianceRule, RuleAction, RuleKind
from chorus.core.crypto import PREFIX
from chorus.core.models import AuditEvent
from chorus.writing.models import WritingSettings
from chorus.writing.services.settings import writing_settings_update
from chorus.writing.services.suggestions import (
    Draft,
    WritingUnavailable,
    caption_suggestions,
    sent_summary,
)
from chorus.writing.tests.fake_llm import fake_llm

LINK = "https://go.acme.example/l/abc123"
DRAFT = Draft(
    network="x",
    title="Acme opens its Lisbon office",
    commentary="Forty new jobs in Portugal.",
    caption="Proud of this one",
    link_url=LINK,
    voice_samples=("Loved working on the Cloud 3.0 launch with this team.",),
)


@pytest.fixture
def llm(settings, organization, admin_member):
    settings.HTTP_ALLOW_LOOPBACK = True
    with fake_llm() as server:
        writing_settings_update(
            organization=organization,
            actor=admin_member.user,
            enabled=True,
            base_url=server.url,
            model="acme-writer",
            api_key="sk-test-123",
        )
        yield server


def test_writing_help_is_off_until_an_admin_switches_it_on(organization):
    with pytest.raises(WritingUnavailable, match="not switched on"):
        caption_suggestions(organization=organization, draft=DRAFT)


def test_suggestions_come_from_the_endpoint_with_the_members_link(llm, organization):
    llm.reply(
        "Forty new colleagues in Lisbon: proud to see us grow in Portugal.",
        "Our Lisbon office is open, and it brings forty jobs with it.",
        "Lisbon, here we come!",
    )
    result = caption_suggestions(organization=organization, draft=DRAFT)
    assert [item.text for item in result.items] == [
        f"Forty new colleagues in Lisbon: proud to see us grow in Portugal. {LINK}",
        f"Our Lisbon office is open, and it brings forty jobs with it. {LINK}",
        f"Lisbon, here we come! {LINK}",
    ]
    (request,) = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test-123"
    body = request["json"]
    assert body["model"] == "acme-writer"
    sent = "\n".join(message["content"] for message in body["messages"])
    for part in (
        "Acme opens its Lisbon office",
        "Forty new jobs",
        "Proud of this one",
        "Cloud 3.0 launch",
        LINK,
        "X",
    ):
        assert part in sent
    assert "@" not in sent  # no email address is ever sent


def test_suggestions_the_rules_or_the_length_refuse_are_not_offered(llm, organization):
    ComplianceRule.objects.create(
        organization=organization,
        kind=RuleKind.BLOCKED_TERM,
        value="guaranteed",
        action=RuleAction.BLOCK,
    )
    llm.reply("Guaranteed growth in Lisbon!", "x" * 400, "Forty new jobs in Lisbon.")
    result = caption_suggestions(organization=organization, draft=DRAFT)
    assert [item.text for item in result.items] == [f"Forty new jobs in Lisbon. {LINK}"]
    assert result.dropped == 2
    llm.reply("Guaranteed growth in Lisbon!")
    with pytest.raises(WritingUnavailable, match="No suggestion passed"):
        caption_suggestions(organization=organization, draft=DRAFT)


def test_an_answer_in_plain_lines_is_read_too(llm, organization):
    llm.content = "1. Lisbon is open!\n2. Forty jobs in Lisbon.\n"
    result = caption_suggestions(organization=organization, draft=DRAFT)
    assert [item.text for item in result.items] == [
        f"Lisbon is open! {LINK}",
        f"Forty jobs in Lisbon. {LINK}",
    ]


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "refused the key"), (429, "busy"), (500, "could not answer")],
)
def test_endpoint_failures_read_as_words(llm, organization, status, message):
    llm.status = status
    with pytest.raises(WritingUnavailable, match=message):
        caption_suggestions(organization=organization, draft=DRAFT)


def test_an_endpoint_that_is_down_or_private_is_not_reached(llm, organization, settings):
    settings.HTTP_ALLOW_LOOPBACK = False  # loopback is a private address, as in production
    with pytest.raises(WritingUnavailable, match="could not be reached"):
        caption_suggestions(organization=organization, draft=DRAFT)
    assert llm.requests == []


def test_the_key_is_encrypted_at_rest_and_never_logged(llm, organization, admin_member):
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM writing_writingsettings")
        (stored,) = cursor.fetchone()
    assert stored.startswith(PREFIX) and "sk-test-123" not in stored
    event = AuditEvent.objects.get(action="writing.settings_changed")
    assert event.data["key"] == "changed" and "sk-test-123" not in str(event.data)
    # Saving without a key keeps it; an empty key removes it.
    writing_settings_update(
        organization=organization,
        actor=admin_member.user,
        enabled=True,
        base_url=llm.url,
        model="other",
        api_key=None,
    )
    assert WritingSettings.objects.get().api_key == "sk-test-123"
    writing_settings_update(
        organization=organization,
        actor=admin_member.user,
        enabled=True,
        base_url=llm.url,
        model="other",
        api_key="",
    )
    assert WritingSettings.objects.get().api_key == ""


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"enabled": True, "base_url": "", "model": "m"}, "Give the endpoint"),
        ({"enabled": True, "base_url": "https://llm.example/v1", "model": ""}, "Give the model"),
        ({"enabled": False, "base_url": "ftp://llm.example/", "model": ""}, "cannot be used"),
        ({"enabled": False, "base_url": "https://u:p@llm.example/", "model": ""}, "cannot be used"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(organization, admin_member, fields, error):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=error):
        writing_settings_update(
            organization=organization, actor=admin_member.user, api_key="k", **fields
        )
    assert not WritingSettings.objects.exists()


def test_the_member_is_told_what_is_sent_and_where(llm, organization):
    assert "Sent to 127.0.0.1" in sent_summary(organization=organization)
    assert "No names or email addresses" in sent_summary(organization=organization)
