"""The social media policy: versions, acknowledgements, the switch that makes sharing wait
for it, the record and its exports."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook  # type: ignore[import-untyped]

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.home import home_for
from chorus.notifications.models import Notification
from chorus.training.models import Gate, GateAction, PolicyAcknowledgement, PolicyVersion
from chorus.training.selectors import policy as selectors
from chorus.training.services import policy as services

JOINED = ProgramStatus.JOINED


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    org: Any = OrganizationFactory(name="Acme", slug="acme")
    admin: Any = MembershipFactory(organization=org, is_admin=True, user__email="ada@acme.test")
    trainer: Any = MembershipFactory(
        organization=org, is_trainer=True, program_status=JOINED, user__email="tia@acme.test"
    )
    emma: Any = MembershipFactory(
        organization=org, program_status=JOINED, user__name="Emma", user__email="emma@acme.test"
    )
    sam: Any = MembershipFactory(
        organization=org, program_status=JOINED, user__name="Sam", user__email="sam@acme.test"
    )
    outside: Any = MembershipFactory(organization=org, user__email="olga@acme.test")
    gone: Any = MembershipFactory(
        organization=org, program_status=JOINED, is_active=False, user__email="gus@acme.test"
    )
    foreign_org: Any = OrganizationFactory(name="Globex", slug="globex")
    foreign_trainer: Any = MembershipFactory(organization=foreign_org, is_trainer=True)
    services.policy_save_draft(membership=foreign_trainer, title="Globex policy", body="Theirs.")
    foreign_version = services.policy_publish(membership=foreign_trainer, note="")
    return SimpleNamespace(**locals())


def publish(world: SimpleNamespace, body: str = "Be **kind**.", note: str = "") -> PolicyVersion:
    services.policy_save_draft(membership=world.trainer, title="Our policy", body=body)
    return services.policy_publish(membership=world.trainer, note=note)


def login(client: Any, membership: Any) -> Any:
    client.force_login(membership.user)
    return client


# Writing and publishing -------------------------------------------------------------------


def test_only_trainers_and_admins_write_and_publish(world):
    with pytest.raises(PermissionDenied):
        services.policy_save_draft(membership=world.emma, title="No", body="No")
    services.policy_save_draft(membership=world.admin, title="Ours", body="Text")
    with pytest.raises(PermissionDenied):
        services.policy_publish(membership=world.emma, note="")
    version = services.policy_publish(membership=world.admin, note="")
    assert (version.number, version.title, version.body) == (1, "Ours", "Text")


def test_versions_count_up_with_what_changed(world):
    first = publish(world)
    with pytest.raises(ValidationError):
        # The same text again is not a new version.
        services.policy_publish(membership=world.trainer, note="Nothing")
    services.policy_save_draft(membership=world.trainer, title="Our policy", body="Be kinder.")
    with pytest.raises(ValidationError) as refused:
        services.policy_publish(membership=world.trainer, note=" ")
    assert "note" in refused.value.message_dict
    second = services.policy_publish(membership=world.trainer, note="Kinder")
    assert (first.number, second.number, second.note) == (1, 2, "Kinder")
    assert list(selectors.versions(organization=world.org)) == [second, first]
    assert selectors.latest_version(organization=world.org) == second
    assert (
        AuditEvent.objects.filter(
            organization=world.org, action="training.policy_published"
        ).count()
        == 2
    )


def test_an_empty_draft_is_not_published(world):
    with pytest.raises(ValidationError):
        services.policy_publish(membership=world.trainer, note="")
    services.policy_save_draft(membership=world.trainer, title="Our policy", body="  ")
    with pytest.raises(ValidationError):
        services.policy_publish(membership=world.trainer, note="")
    assert not PolicyVersion.objects.filter(organization=world.org).exists()


def test_bad_draft_input_is_refused_and_changes_nothing(world):
    services.policy_save_draft(membership=world.trainer, title="Kept", body="Kept")
    with pytest.raises(ValidationError) as refused:
        services.policy_save_draft(
            membership=world.trainer, title=" ", body="x" * (services.MAX_BODY + 1)
        )
    assert set(refused.value.message_dict) == {"title", "body"}
    policy = selectors.policy_of(organization=world.org)
    assert policy is not None and (policy.title, policy.draft) == ("Kept", "Kept")


def test_publishing_asks_every_member_in_the_program(world):
    version = publish(world)
    told = set(
        Notification.objects.filter(kind="policy_published").values_list("membership_id", flat=True)
    )
    # Active members in the program; not those outside it, not deactivated ones, not Globex.
    assert told == {world.trainer.pk, world.emma.pk, world.sam.pk}
    notification = Notification.objects.filter(membership=world.emma).get()
    assert f"Version {version.number}" in notification.message
    assert notification.url == "/policy/"


def test_the_template_fills_an_empty_draft_only(world):
    policy = services.policy_start_from_template(membership=world.trainer)
    assert "## " in policy.draft and len(policy.draft) > 500
    with pytest.raises(ValidationError):
        services.policy_start_from_template(membership=world.trainer)
    with pytest.raises(PermissionDenied):
        services.policy_start_from_template(membership=world.emma)


# Acknowledging -------------------------------------------------------------------------


def test_members_acknowledge_the_latest_version_once(world):
    version = publish(world)
    assert selectors.version_due(membership=world.emma) == version
    first = services.policy_acknowledge(membership=world.emma, version=version)
    again = services.policy_acknowledge(membership=world.emma, version=version)
    assert first.pk == again.pk
    assert PolicyAcknowledgement.objects.filter(membership=world.emma).count() == 1
    assert selectors.has_acknowledged_latest(membership=world.emma)
    assert selectors.version_due(membership=world.emma) is None


def test_only_the_latest_version_can_be_acknowledged(world):
    old = publish(world)
    publish(world, body="Changed.", note="Changed")
    with pytest.raises(ValidationError):
        services.policy_acknowledge(membership=world.emma, version=old)
    with pytest.raises(PermissionDenied):
        services.policy_acknowledge(membership=world.emma, version=world.foreign_version)
    assert not PolicyAcknowledgement.objects.filter(membership=world.emma).exists()


def test_a_new_version_asks_again(world):
    first = publish(world)
    services.policy_acknowledge(membership=world.emma, version=first)
    second = publish(world, body="New rules.", note="New rules")
    assert not selectors.has_acknowledged_latest(membership=world.emma)
    assert selectors.version_due(membership=world.emma) == second
    # The earlier acknowledgement stays on record.
    assert selectors.acknowledgement_of(membership=world.emma, version=first) is not None


def test_the_record_says_who_acknowledged_and_who_not_yet(world):
    version = publish(world)
    services.policy_acknowledge(membership=world.emma, version=version)
    record = selectors.acknowledgement_record(organization=world.org)
    assert record.latest == version
    assert [member for member, _ in record.acknowledged] == [world.emma]
    assert {member.pk for member in record.not_yet} == {world.trainer.pk, world.sam.pk}


# The switch --------------------------------------------------------------------------------


def policy_gates(world: SimpleNamespace) -> Any:
    return Gate.objects.filter(
        organization=world.org, action=GateAction.SHARE, requires_policy=True
    )


def test_the_switch_adds_and_removes_the_share_gate(world):
    with pytest.raises(ValidationError):
        # Nothing to acknowledge yet.
        services.policy_require_before_sharing(membership=world.admin, required=True)
    publish(world)
    services.policy_require_before_sharing(membership=world.admin, required=True)
    services.policy_require_before_sharing(membership=world.admin, required=True)
    assert policy_gates(world).count() == 1
    assert selectors.required_before_sharing(organization=world.org)
    assert not selectors.required_before_sharing(organization=world.foreign_org)
    services.policy_require_before_sharing(membership=world.admin, required=False)
    assert not policy_gates(world).exists()
    assert AuditEvent.objects.filter(action="training.policy_required").count() == 1
    assert AuditEvent.objects.filter(action="training.policy_not_required").count() == 1


def test_only_admins_flip_the_switch(world, client):
    publish(world)
    with pytest.raises(PermissionDenied):
        services.policy_require_before_sharing(membership=world.trainer, required=True)
    login(client, world.trainer)
    response = client.post("/manage/training/policy/sharing/", {"required": "1"})
    assert response.status_code == 403
    assert not policy_gates(world).exists()
    login(client, world.admin)
    response = client.post("/manage/training/policy/sharing/", {"required": "1"})
    assert response.status_code == 302
    assert policy_gates(world).count() == 1


def test_home_asks_members_to_acknowledge_when_sharing_waits_for_it(world):
    version = publish(world)
    names = [
        section.name for section in home_for(organization=world.org, membership=world.emma).sections
    ]
    assert "policy" not in names
    services.policy_require_before_sharing(membership=world.admin, required=True)
    sections = home_for(organization=world.org, membership=world.emma).sections
    assert sections[0].name == "policy"
    services.policy_acknowledge(membership=world.emma, version=version)
    names = [
        section.name for section in home_for(organization=world.org, membership=world.emma).sections
    ]
    assert "policy" not in names


# Pages ---------------------------------------------------------------------------------------


def test_trainer_page_saves_previews_and_publishes(client, world):
    login(client, world.trainer)
    assert client.get("/manage/training/policy/").status_code == 200
    preview = client.post(
        "/manage/training/policy/",
        {"title": "Our policy", "body": "Say **who you work for**.", "action": "preview"},
    )
    assert preview.status_code == 200
    assert "<strong>who you work for</strong>" in preview.content.decode()
    assert selectors.policy_of(organization=world.org) is None
    saved = client.post(
        "/manage/training/policy/",
        {"title": "Our policy", "body": "Say **who you work for**.", "action": "save"},
    )
    assert saved.status_code == 302
    refused = client.post(
        "/manage/training/policy/", {"title": "", "body": "Typed", "action": "save"}
    )
    assert refused.status_code == 400
    assert "Typed" in refused.content.decode()
    published = client.post("/manage/training/policy/publish/", {"note": "First"})
    assert published.status_code == 302
    version = selectors.latest_version(organization=world.org)
    assert version is not None and version.body == "Say **who you work for**."
    again = client.post("/manage/training/policy/publish/", {"note": "Again"})
    assert again.status_code == 400
    assert "Nothing changed" in again.content.decode()


def test_template_button_fills_the_draft(client, world):
    login(client, world.trainer)
    assert client.post("/manage/training/policy/template/").status_code == 302
    policy = selectors.policy_of(organization=world.org)
    assert policy is not None and policy.draft


def test_member_reads_and_acknowledges_on_the_policy_page(client, world):
    login(client, world.emma)
    assert "has not published" in client.get("/policy/").content.decode()
    old = publish(world)
    version = publish(world, body="Be **kind**, always.", note="Always")
    page = client.get("/policy/").content.decode()
    assert "<strong>kind</strong>" in page
    assert f"I have read and acknowledge version {version.number}" in page
    assert f"/policy/versions/{old.pk}/" in page
    # A stale form (the version before) acknowledges nothing.
    client.post("/policy/acknowledge/", {"version": old.pk})
    assert not PolicyAcknowledgement.objects.filter(membership=world.emma).exists()
    for junk in ("", "abc", "99999999999999999999999", str(world.foreign_version.pk)):
        assert client.post("/policy/acknowledge/", {"version": junk}).status_code == 302
    assert not PolicyAcknowledgement.objects.filter(membership=world.emma).exists()
    assert client.post("/policy/acknowledge/", {"version": version.pk}).status_code == 302
    assert PolicyAcknowledgement.objects.filter(membership=world.emma, version=version).exists()
    page = client.get("/policy/").content.decode()
    assert f"You acknowledged version {version.number}" in page
    assert "I have read and acknowledge" not in page
    assert client.get(f"/policy/versions/{old.pk}/").status_code == 200
    assert client.get(f"/policy/versions/{world.foreign_version.pk}/").status_code == 404
    assert client.get("/policy/acknowledge/").status_code == 405


def test_learning_prompts_until_the_latest_is_acknowledged(client, world):
    login(client, world.emma)
    version = publish(world)
    page = client.get("/learning/").content.decode()
    assert "waits for you" in page and 'href="/policy/"' in page
    services.policy_acknowledge(membership=world.emma, version=version)
    page = client.get("/learning/").content.decode()
    assert "waits for you" not in page and 'href="/policy/"' in page


def test_members_cannot_open_trainer_pages(client, world):
    login(client, world.emma)
    for url in (
        "/manage/training/policy/",
        "/manage/training/policy/acknowledgements/",
        "/manage/training/policy/acknowledgements/export/?format=csv",
    ):
        assert client.get(url).status_code == 403
    assert client.post("/manage/training/policy/publish/", {"note": ""}).status_code == 403


def test_acknowledgement_page_filters(client, world):
    version = publish(world)
    services.policy_acknowledge(membership=world.emma, version=version)
    login(client, world.trainer)
    everyone = client.get("/manage/training/policy/acknowledgements/").content.decode()
    assert "emma@acme.test" in everyone and "sam@acme.test" in everyone
    done = client.get("/manage/training/policy/acknowledgements/?show=acknowledged")
    assert "emma@acme.test" in done.content.decode()
    assert "sam@acme.test" not in done.content.decode()
    waiting = client.get("/manage/training/policy/acknowledgements/?show=not_yet").content.decode()
    assert "sam@acme.test" in waiting and "emma@acme.test" not in waiting
    assert "olga@acme.test" not in everyone and "gus@acme.test" not in everyone


# Exports -----------------------------------------------------------------------------------


def test_exports_name_who_acknowledged_which_version_when(client, world):
    world.sam.user.name = '=HYPERLINK("http://evil.test","x")'
    world.sam.user.save(update_fields=["name"])
    first = publish(world)
    services.policy_acknowledge(membership=world.emma, version=first)
    second = publish(world, body="Second.", note="Second")
    services.policy_acknowledge(membership=world.sam, version=second)
    services.policy_acknowledge(membership=world.foreign_trainer, version=world.foreign_version)
    login(client, world.trainer)

    response = client.get("/manage/training/policy/acknowledgements/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["member", "email", "version", "title", "acknowledged at"]
    by_email = {row[1]: row for row in rows[1:]}
    assert set(by_email) == {"emma@acme.test", "sam@acme.test"}
    assert by_email["emma@acme.test"][2] == "1"
    assert by_email["sam@acme.test"][2] == "2"
    # A name a spreadsheet would run as a formula is written as text.
    assert by_email["sam@acme.test"][0] == '\'=HYPERLINK("http://evil.test","x")'

    response = client.get("/manage/training/policy/acknowledgements/export/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["member", "email", "version", "title", "acknowledged at"]
    sam_row = next(row for row in values if row[1] == "sam@acme.test")
    assert sam_row[0] == '=HYPERLINK("http://evil.test","x")'
    assert sam_row[2] == 2
    cell = next(row for row in sheet.iter_rows() if row[1].value == "sam@acme.test")[0]
    assert cell.data_type == "s"

    bad = client.get("/manage/training/policy/acknowledgements/export/?format=pdf")
    assert bad.status_code == 302


# API -----------------------------------------------------------------------------------------


@pytest.fixture
def tokens(world) -> SimpleNamespace:
    def header(membership: Any) -> dict[str, str]:
        _, secret = account_services.api_token_create(membership=membership, name="test")
        return {"Authorization": f"Bearer {secret}"}

    return SimpleNamespace(emma=header(world.emma), trainer=header(world.trainer))


def test_api_policy_flow(client, world, tokens):
    empty = client.get("/api/v1/training/policy", headers=tokens.emma).json()
    assert empty["version"] is None and empty["acknowledged_at"] is None
    services.policy_save_draft(membership=world.trainer, title="Our policy", body="Be kind.")
    published = client.post(
        "/api/v1/training/policy/publish",
        {"note": ""},
        content_type="application/json",
        headers=tokens.trainer,
    )
    assert published.status_code == 201
    version_id = published.json()["id"]
    assert published.json()["number"] == 1
    again = client.post(
        "/api/v1/training/policy/publish",
        {"note": "x"},
        content_type="application/json",
        headers=tokens.trainer,
    )
    assert again.status_code == 422
    refused = client.post(
        "/api/v1/training/policy/publish",
        {"note": ""},
        content_type="application/json",
        headers=tokens.emma,
    )
    assert refused.status_code == 403
    detail = client.get("/api/v1/training/policy", headers=tokens.emma).json()
    assert detail["version"]["id"] == version_id and detail["acknowledged_at"] is None
    assert detail["required_before_sharing"] is False
    url = f"/api/v1/training/policy/versions/{version_id}/acknowledge"
    acknowledged = client.post(url, headers=tokens.emma)
    assert acknowledged.status_code == 200
    assert acknowledged.json()["version_number"] == 1
    assert client.post(url, headers=tokens.emma).status_code == 200
    foreign = f"/api/v1/training/policy/versions/{world.foreign_version.pk}/acknowledge"
    assert client.post(foreign, headers=tokens.emma).status_code == 404
    detail = client.get("/api/v1/training/policy", headers=tokens.emma).json()
    assert detail["acknowledged_at"] is not None
    listed = client.get("/api/v1/training/policy/acknowledgements", headers=tokens.trainer)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(item["member_email"], item["version_number"]) for item in items] == [
        ("emma@acme.test", 1)
    ]
    assert (
        client.get("/api/v1/training/policy/acknowledgements", headers=tokens.emma).status_code
        == 403
    )


def test_api_refuses_an_earlier_version(client, world, tokens):
    old = publish(world)
    publish(world, body="New.", note="New")
    url = f"/api/v1/training/policy/versions/{old.pk}/acknowledge"
    assert client.post(url, headers=tokens.emma).status_code == 422


def test_admin_page_shows_versions_and_the_switch(client, world):
    first = publish(world)
    services.policy_acknowledge(membership=world.emma, version=first)
    publish(world, body="Second.", note="Shorter")
    login(client, world.admin)
    page = client.get("/manage/training/policy/").content.decode()
    assert "Require it before sharing" in page
    assert f"/policy/versions/{first.pk}/" in page and "Shorter" in page
    assert "Version 2: 0 acknowledged, 3 not yet." in page
    services.policy_require_before_sharing(membership=world.admin, required=True)
    page = client.get("/manage/training/policy/").content.decode()
    assert "Let members share without it" in page
    login(client, world.trainer)
    page = client.get("/manage/training/policy/").content.decode()
    assert "Let members share without it" not in page and "Admins turn this on or off." in page
