from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chorus.accounts import imports
from chorus.accounts.models import Group, GroupKind, Invitation, MemberImport
from chorus.accounts.services import invitations as services
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, UserFactory


def make(factory: Any, **fields: Any) -> Any:
    return factory(**fields)


def upload(client: Any, content: bytes | str, name: str = "people.csv") -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("member_import_upload"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


GOOD_CSV = (
    "Email, Full Name ,Department,REGION,language,Roles,Groups\n"
    "ada@example.test,Ada Lovelace,Engineering,Europe,English,curator;approver,Ambassadors\n"
    "alan@example.test,Alan Turing,Engineering,,,employee|admin,\n"
    "grace@example.test,Grace Hopper,,Americas,,,Ambassadors;Mentors\n"
)


def preview_of(response: Any) -> MemberImport:
    assert response.status_code == 302, response.content.decode()[:2000]
    return MemberImport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


# Whole-file errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "The file is empty"),
        (b"email,name\n", "no people"),
        ("email,name\nzoë@example.test,Zoë\n".encode("latin-1"), "save it as CSV UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "spreadsheet"),
        (b"email\nab\x00c@example.test\n", "not a CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
        (b'email,name\n"ada@example.test,Ada\n', "not a valid CSV"),
        (b"e-mail addr,full name\nada@example.test,Ada\n", "Columns found"),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_stored(admin_client, content, message):
    response = upload(admin_client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MemberImport.objects.exists()
    assert not Invitation.objects.exists()


def test_missing_email_column_names_the_columns_found(admin_client):
    response = upload(admin_client, "Name,Mail Addr\nAda,ada@example.test\n")
    page = response.content.decode()
    assert "no email column" in page
    assert "Name" in page and "Mail Addr" in page


def test_too_large_file_is_refused(admin_client, settings):
    settings.MEMBER_IMPORT_MAX_BYTES = 100
    response = upload(admin_client, GOOD_CSV)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not MemberImport.objects.exists()


def test_too_many_rows_is_refused(admin_client, settings):
    settings.MEMBER_IMPORT_MAX_ROWS = 2
    response = upload(admin_client, GOOD_CSV)
    assert response.status_code == 400
    assert "more than 2 rows" in response.content.decode()
    assert not MemberImport.objects.exists()


def test_excel_utf8_with_bom_and_semicolons_is_read(admin_client):
    content = "\ufeffE-mail;Name;Role\r\nzoe@example.test;Zoë Ünal;curator\r\n".encode()
    member_import = preview_of(upload(admin_client, content))
    [row] = member_import.rows
    assert row["email"] == "zoe@example.test"
    assert row["errors"] == []
    assert row["name"] == "Zoë Ünal"
    assert row["roles"] == ["curator"]


# Preview --------------------------------------------------------------------------------


def test_preview_lists_every_bad_row_with_its_reason(admin_client, admin_member, employee):
    services.invitation_create(
        organization=admin_member.organization,
        actor=admin_member.user,
        email="pending@example.test",
    )
    content = (
        "email,name,role\n"
        "ok@example.test,Fine,employee\n"
        "not-an-email,Bad,employee\n"
        ",No Email,employee\n"
        "boss@example.test,Boss,emperor\n"
        "ok@example.test,Twice,employee\n"
        f"{employee.user.email},Member,employee\n"
        "Pending@example.test,Invited,employee\n"
    )
    member_import = preview_of(upload(admin_client, content))
    reasons = {row["line"]: " ".join(row["errors"]) for row in member_import.rows}
    assert reasons[2] == ""
    assert "not a valid email" in reasons[3]
    assert "email is missing" in reasons[4]
    assert "Unknown role “emperor”" in reasons[5]
    assert "line 2" in reasons[6]
    assert "Already a member" in reasons[7]
    assert "pending invitation" in reasons[8]
    page = admin_client.get(reverse("member_import", args=[member_import.pk])).content.decode()
    for reason in ("not a valid email", "Unknown role", "Duplicate", "Already a member"):
        assert reason in page
    assert "Invite 1 person" in page
    problems = admin_client.get(
        reverse("member_import", args=[member_import.pk]), {"show": "problems"}
    ).content.decode()
    assert "Twice" in problems
    assert "Fine" not in problems
    assert Invitation.objects.count() == 1  # only the one made above: previews write nothing


# Confirming -----------------------------------------------------------------------------


def test_confirm_invites_every_valid_row_and_creates_missing_groups(
    admin_client, admin_member, django_capture_on_commit_callbacks
):
    organization = admin_member.organization
    existing = make(
        GroupFactory, organization=organization, kind=GroupKind.DEPARTMENT, name="engineering"
    )
    member_import = preview_of(upload(admin_client, GOOD_CSV + "broken,,,,,,\n"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(reverse("member_import_confirm", args=[member_import.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1  # one task call for all the emails
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.test",
        "alan@example.test",
        "grace@example.test",
    ]
    ada = Invitation.objects.get(email="ada@example.test")
    assert ada.roles == ["curator", "approver"]
    assert {(g.kind, g.name) for g in ada.groups.all()} == {
        ("department", "engineering"),
        ("region", "Europe"),
        ("language", "English"),
        ("custom", "Ambassadors"),
    }
    assert existing in Invitation.objects.get(email="alan@example.test").groups.all()
    assert Invitation.objects.get(email="alan@example.test").roles == ["employee", "admin"]
    assert Group.objects.filter(organization=organization).count() == 6
    member_import.refresh_from_db()
    assert member_import.confirmed_at is not None
    assert (member_import.invited_count, member_import.skipped_count) == (3, 1)
    event = AuditEvent.objects.get(action="member_import.confirmed")
    assert event.data == {"invited": 3, "skipped": 1, "groups_created": 5}
    assert AuditEvent.objects.filter(action="invitation.created").count() == 3
    told = admin_client.get(response.url).content.decode()
    assert "3 invitations are on their way. 1 row with problems was skipped." in told
    summary = admin_client.get(reverse("member_import", args=[member_import.pk]))
    assert "3 people invited" in summary.content.decode()
    assert "1 row skipped" in summary.content.decode()


def test_confirming_twice_does_nothing_the_second_time(admin_client):
    member_import = preview_of(upload(admin_client, GOOD_CSV))
    url = reverse("member_import_confirm", args=[member_import.pk])
    admin_client.post(url)
    response = admin_client.post(url)
    assert response.status_code == 302
    assert Invitation.objects.count() == 3
    assert AuditEvent.objects.filter(action="member_import.confirmed").count() == 1


def test_confirm_writes_nothing_when_a_row_became_a_member_meanwhile(admin_client, admin_member):
    organization = admin_member.organization
    member_import = preview_of(upload(admin_client, GOOD_CSV))
    assert len(member_import.valid_rows) == 3
    # Grace, the last row, joins between the preview and the confirmation: by then the
    # first two rows and their new groups have been written, and must be rolled back.
    make(
        MembershipFactory,
        organization=organization,
        user=make(UserFactory, email="grace@example.test"),
    )
    events_before = AuditEvent.objects.count()
    response = admin_client.post(
        reverse("member_import_confirm", args=[member_import.pk]), follow=True
    )
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "grace@example.test" in page
    assert not Invitation.objects.exists()
    assert not Group.objects.filter(organization=organization).exists()
    assert AuditEvent.objects.count() == events_before
    member_import.refresh_from_db()
    assert member_import.confirmed_at is None
    # The preview now shows the new problem; confirming again invites the other two.
    assert [row["email"] for row in member_import.bad_rows] == ["grace@example.test"]
    admin_client.post(reverse("member_import_confirm", args=[member_import.pk]))
    assert Invitation.objects.count() == 2


def test_confirm_rolls_back_everything_when_a_late_row_fails(admin_client, admin_member):
    member_import = preview_of(upload(admin_client, GOOD_CSV))
    # A stale preview whose last row repeats the first: the earlier rows are written
    # before the repeat fails, and all of it must be undone.
    rows = member_import.rows
    rows.append({**rows[0], "line": 99})
    MemberImport.objects.filter(pk=member_import.pk).update(rows=rows)
    response = admin_client.post(
        reverse("member_import_confirm", args=[member_import.pk]), follow=True
    )
    assert "Nothing was imported: line 99" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not Group.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="invitation.").exists()
    member_import.refresh_from_db()
    assert member_import.confirmed_at is None


# Isolation and roles ---------------------------------------------------------------------


def test_foreign_import_is_404(admin_client, db):
    other = make(OrganizationFactory, name="Globex", slug="globex")
    foreign = MemberImport.objects.create(
        organization=other,
        filename="theirs.csv",
        rows=[
            {
                "line": 2,
                "email": "x@example.test",
                "name": "",
                "title": "",
                "roles": ["employee"],
                "department": "",
                "region": "",
                "language": "",
                "groups": [],
                "errors": [],
            }
        ],
    )
    assert admin_client.get(reverse("member_import", args=[foreign.pk])).status_code == 404
    response = admin_client.post(reverse("member_import_confirm", args=[foreign.pk]))
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_employee_cannot_import(employee_client, admin_member):
    member_import = imports.member_import_create(
        organization=admin_member.organization,
        actor=admin_member.user,
        filename="people.csv",
        data=GOOD_CSV.encode(),
    )
    assert upload(employee_client, GOOD_CSV).status_code == 403
    assert employee_client.get(reverse("member_import_upload")).status_code == 403
    assert employee_client.get(reverse("member_import", args=[member_import.pk])).status_code == 403
    url = reverse("member_import_confirm", args=[member_import.pk])
    assert employee_client.post(url).status_code == 403
    assert MemberImport.objects.count() == 1
    assert not Invitation.objects.exists()
