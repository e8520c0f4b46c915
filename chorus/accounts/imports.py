"""Inviting many people at once from a CSV file: parse, preview, confirm.

The upload is parsed into rows, each with the problems found, and stored as a
MemberImport so the admin reviews exactly what will happen. Confirming re-checks every
row and writes all the valid ones in one transaction, or nothing.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import (
    Group,
    GroupKind,
    Invitation,
    MemberImport,
    Membership,
    Organization,
    Role,
    User,
)
from chorus.accounts.services import groups as group_services
from chorus.accounts.services import invitations as invitation_services
from chorus.core.audit import audit_record

# Header spellings people use, after lower-casing and folding "_", "-" and spaces.
COLUMN_ALIASES = {
    "email": {"email", "e mail", "email address", "e mail address", "mail", "work email"},
    "name": {"name", "full name", "fullname", "display name"},
    "title": {"title", "job title", "position"},
    "department": {"department", "dept", "team"},
    "region": {"region", "country", "location"},
    "language": {"language", "lang", "locale"},
    "roles": {"role", "roles"},
    "groups": {"group", "groups", "custom groups"},
}
GROUP_COLUMNS = {
    "department": GroupKind.DEPARTMENT,
    "region": GroupKind.REGION,
    "language": GroupKind.LANGUAGE,
}
LIST_SEPARATOR = re.compile(r"[;|]")
ROLE_ALIASES = {"administrator": Role.ADMIN.value, "reviewer": Role.APPROVER.value}
MAX_LENGTHS = {"name": 150, "title": 150, "group": 100}


def _excel_hint() -> str:
    return _("In Excel or Numbers choose File > Save As > “CSV UTF-8”.")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message tells the admin why."""


# Parsing ------------------------------------------------------------------------------


def _fold(header: str) -> str:
    return " ".join(re.sub(r"[_\-.]", " ", header).lower().split())


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This looks like a spreadsheet (Excel) file, not a CSV. %(hint)s")
            % {"hint": _excel_hint()}
        )
    if b"\x00" in data:
        raise ImportFileError(
            _(
                "This is not a CSV text file (it contains binary data). "
                "Export it as CSV first. %(hint)s"
            )
            % {"hint": _excel_hint()}
        )
    try:
        # utf-8-sig drops the byte-order mark that Excel puts at the start.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not encoded as UTF-8; save it as CSV UTF-8. %(hint)s")
            % {"hint": _excel_hint()}
        ) from None
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        raise ImportFileError(_("This is not a CSV text file. %(hint)s") % {"hint": _excel_hint()})
    return text


def _delimiter(text: str) -> str:
    """Comma, or the semicolon/tab that some spreadsheet locales use, read off the header."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_table(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    table: list[list[str]] = []
    limit = settings.MEMBER_IMPORT_MAX_ROWS
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            table.append(record)
            # The header is one line on top of the allowed rows.
            if len(table) > limit + 1:
                raise ImportFileError(
                    _("The file has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": limit}
                )
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not a valid CSV (line %(line)s: %(error)s). %(hint)s")
            % {"line": reader.line_num, "error": error, "hint": _excel_hint()}
        ) from None
    if not table:
        raise ImportFileError(_("The file is empty."))
    return table


def _columns(header: list[str]) -> dict[str, int]:
    """Map our column names to positions; the first matching header wins."""
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        folded = _fold(raw)
        for column, aliases in COLUMN_ALIASES.items():
            if folded in aliases and column not in positions:
                positions[column] = index
    if "email" not in positions:
        found = ", ".join(f"“{name.strip()}”" for name in header if name.strip()) or _("none")
        raise ImportFileError(
            _(
                "The file has no email column. Columns found: %(found)s. "
                "The first line must name the columns, with one called “email”."
            )
            % {"found": found}
        )
    return positions


def _split(value: str) -> list[str]:
    parts = (" ".join(part.split()) for part in LIST_SEPARATOR.split(value))
    return list(dict.fromkeys(part for part in parts if part))


def _parse_row(line: int, record: list[str], positions: dict[str, int]) -> dict[str, Any]:
    def cell(column: str) -> str:
        index = positions.get(column)
        if index is None or index >= len(record):
            return ""
        return " ".join(record[index].split())

    errors: list[str] = []
    email = cell("email").lower()
    if not email:
        errors.append(_("The email is missing."))
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("“%(email)s” is not a valid email address.") % {"email": email})
    roles: list[str] = []
    for raw_role in _split(cell("roles")):
        role = ROLE_ALIASES.get(raw_role.lower(), raw_role.lower())
        if role in Role.values:
            roles.append(role)
        else:
            allowed = ", ".join(Role.values)
            errors.append(
                _("Unknown role “%(role)s” (use %(allowed)s).")
                % {"role": raw_role, "allowed": allowed}
            )
    row: dict[str, Any] = {
        "line": line,
        "email": email,
        "name": cell("name"),
        "title": cell("title"),
        "roles": list(dict.fromkeys(roles)) or [Role.EMPLOYEE.value],
        "department": cell("department"),
        "region": cell("region"),
        "language": cell("language"),
        "groups": _split(cell("groups")),
        "errors": errors,
    }
    too_long = {
        "name": _("The name is longer than %(limit)s characters."),
        "title": _("The title is longer than %(limit)s characters."),
    }
    for field, message in too_long.items():
        if len(row[field]) > MAX_LENGTHS[field]:
            errors.append(message % {"limit": MAX_LENGTHS[field]})
    for group_name in [row["department"], row["region"], row["language"], *row["groups"]]:
        if len(group_name) > MAX_LENGTHS["group"]:
            errors.append(_("The group name “%(name)s…” is too long.") % {"name": group_name[:30]})
    return row


def parse_member_csv(*, organization: Organization, data: bytes) -> list[dict[str, Any]]:
    """Every row of the file with its problems; raises ImportFileError for the whole file."""
    if len(data) > settings.MEMBER_IMPORT_MAX_BYTES:
        raise ImportFileError(too_large_message())
    table = _read_table(_decode(data))
    positions = _columns(table[0])
    if len(table) == 1:
        raise ImportFileError(_("The file has a header line but no people in it."))
    rows = [_parse_row(line, record, positions) for line, record in enumerate(table[1:], 2)]
    first_line: dict[str, int] = {}
    for row in rows:
        if not row["email"]:
            continue
        if row["email"] in first_line:
            row["errors"].append(
                _("Duplicate: the same email is on line %(line)s.")
                % {"line": first_line[row["email"]]}
            )
        else:
            first_line[row["email"]] = row["line"]
    check_rows_against_organization(organization=organization, rows=rows)
    return rows


def too_large_message() -> str:
    megabytes = settings.MEMBER_IMPORT_MAX_BYTES / (1024 * 1024)
    return _("The file is larger than %(size).1f MB; split it into smaller files.") % {
        "size": megabytes
    }


def check_rows_against_organization(
    *, organization: Organization, rows: list[dict[str, Any]]
) -> None:
    """Flag rows whose person is already a member or already has a pending invitation.

    Replaces the earlier organization checks, so it can run again at confirm time.
    """
    emails = [row["email"] for row in rows if row["email"]]
    organization_errors = _organization_errors()
    members = set(
        Membership.objects.filter(organization=organization)
        .annotate(email=Lower("user__email"))
        .filter(email__in=emails)
        .values_list("email", flat=True)
    )
    invited = set(
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .filter(expires_at__gt=timezone.now())
        .annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    )
    for row in rows:
        row["errors"] = [error for error in row["errors"] if error not in organization_errors]
        if row["email"] in members:
            row["errors"].append(str(ALREADY_MEMBER))
        elif row["email"] in invited:
            row["errors"].append(str(ALREADY_INVITED))


ALREADY_MEMBER = gettext_lazy("Already a member of the organization.")
ALREADY_INVITED = gettext_lazy("Already has a pending invitation.")


def _organization_errors() -> set[str]:
    """These two problems in every language: a preview is stored in the language of the
    admin who uploaded it, and checked again in the language of whoever confirms."""
    found: set[str] = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found |= {str(ALREADY_MEMBER), str(ALREADY_INVITED)}
    return found


def new_group_names(
    *, organization: Organization, rows: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """The groups that confirming would create, by kind, for the preview."""
    existing = {(kind, name.lower()) for kind, name in _group_keys(organization)}
    wanted: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row["errors"]:
            continue
        for kind, name in row_groups(row):
            key = (kind, name.lower())
            if key not in existing and key not in seen:
                seen.add(key)
                wanted.setdefault(kind, []).append(name)
    return wanted


def _group_keys(organization: Organization) -> list[tuple[str, str]]:
    return list(Group.objects.filter(organization=organization).values_list("kind", "name"))


def row_groups(row: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [(str(kind), row[column]) for column, kind in GROUP_COLUMNS.items() if row[column]]
    return pairs + [(GroupKind.CUSTOM.value, name) for name in row["groups"]]


# Writes -------------------------------------------------------------------------------


def member_import_create(
    *, organization: Organization, actor: User, filename: str, data: bytes
) -> MemberImport:
    """Parse the upload and keep the preview; nothing is stored when the file is unusable."""
    rows = parse_member_csv(organization=organization, data=data)
    return MemberImport.objects.create(
        organization=organization,
        uploaded_by=actor,
        filename=(filename or "members.csv")[:255],
        rows=rows,
    )


class ImportConfirmError(Exception):
    """Confirming failed; nothing was written."""


def member_import_confirm(*, member_import: MemberImport, actor: User) -> MemberImport:
    """Invite every valid row in one transaction: all of them, or none.

    Each row is checked again, since people may have joined or been invited since the
    preview. On any failure everything is rolled back, the preview is refreshed with the
    new problems, and ImportConfirmError says what happened. Confirming twice does nothing.
    """
    try:
        with transaction.atomic():
            locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
            if locked.confirmed_at is None:
                _write_import(member_import=locked, actor=actor)
            return locked
    except ImportConfirmError:
        _refresh_preview(member_import)
        raise
    except DatabaseError as error:
        raise ImportConfirmError(
            _(
                "Nothing was imported: the database refused one of the writes "
                "(%(error)s). Please try again."
            )
            % {"error": error.__class__.__name__}
        ) from error


def _write_import(*, member_import: MemberImport, actor: User) -> None:
    """Must run inside transaction.atomic: raises ImportConfirmError half-way through."""
    organization = member_import.organization
    groups = {(g.kind, g.name.lower()): g for g in Group.objects.filter(organization=organization)}
    created_groups = 0
    invitation_ids: list[int] = []
    for row in member_import.valid_rows:
        groups_of_row = []
        for kind, name in row_groups(row):
            group = groups.get((kind, name.lower()))
            if group is None:
                group = group_services.group_create(
                    organization=organization, actor=actor, kind=kind, name=name
                )
                groups[(kind, name.lower())] = group
                created_groups += 1
            groups_of_row.append(group)
        try:
            invitation = invitation_services.invitation_create(
                organization=organization,
                actor=actor,
                email=row["email"],
                name=row["name"],
                title=row["title"],
                roles=row["roles"],
                groups=groups_of_row,
                send=False,
            )
        except ValidationError as error:
            raise ImportConfirmError(
                _("Nothing was imported: line %(line)s (%(email)s): %(problem)s")
                % {"line": row["line"], "email": row["email"], "problem": " ".join(error.messages)}
            ) from None
        invitation_ids.append(invitation.pk)
    member_import.confirmed_at = timezone.now()
    member_import.invited_count = len(invitation_ids)
    member_import.skipped_count = len(member_import.bad_rows)
    member_import.groups_created_count = created_groups
    member_import.save(
        update_fields=["confirmed_at", "invited_count", "skipped_count", "groups_created_count"]
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="member_import.confirmed",
        target=member_import,
        data={
            "invited": len(invitation_ids),
            "skipped": member_import.skipped_count,
            "groups_created": created_groups,
        },
    )
    invitation_services.invitations_send_on_commit(invitation_ids=invitation_ids)


def _refresh_preview(member_import: MemberImport) -> None:
    rows = list(member_import.rows)
    check_rows_against_organization(organization=member_import.organization, rows=rows)
    MemberImport.objects.filter(pk=member_import.pk, confirmed_at__isnull=True).update(rows=rows)
    member_import.rows = rows
