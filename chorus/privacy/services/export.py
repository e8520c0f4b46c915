"""A member's data in this organization as a ZIP: one JSON with everything, one CSV per
table, and a README.txt saying what each file is.

Requested by the member (one export at a time), built by a task (`export_build`), kept
under DATA_DIR with a random name for EXPORT_DAYS, then deleted by `exports_expire`.
Never in it: secrets (tokens, hashes), visitors' keys, anything of another member, and the
anonymous survey answers (they carry no link to anyone, so they cannot be found).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.core.crypto import EncryptedTextField
from chorus.core.exports import csv_cell
from chorus.links.models import Click, ClickKind
from chorus.notifications.services.notifications import notification_create
from chorus.privacy.models import DataExport, ExportStatus

logger = logging.getLogger(__name__)

EXPORT_DAYS = 7
NOTIFICATION_KIND = "data_export_ready"

# Fields never exported, whatever the table: secrets and the keys that identify visitors.
SECRET_WORDS = ("token", "secret", "hash", "password", "visitor", "idempotency", "claim")


@dataclass(frozen=True)
class Part:
    """One table of the member's data: a model, the field that makes a row theirs."""

    name: str
    model: str
    owner: str
    about: Promise


PARTS: tuple[Part, ...] = (
    Part(
        "consents",
        "accounts.ProgramConsent",
        "membership",
        gettext_lazy(
            "Each time you joined or left the program, the terms you agreed to and the "
            "reason you gave for leaving, if any."
        ),
    ),
    Part(
        "policy_acknowledgements",
        "training.PolicyAcknowledgement",
        "membership",
        gettext_lazy("The versions of the social media policy you acknowledged."),
    ),
    Part(
        "notifications",
        "notifications.Notification",
        "membership",
        gettext_lazy("The notifications Chorus showed you."),
    ),
    Part(
        "shares",
        "sharing.Share",
        "membership",
        gettext_lazy("Your shares: the exact text, network, status and dates."),
    ),
    Part(
        "connected_accounts",
        "sharing.NetworkConnection",
        "membership",
        gettext_lazy(
            "The social network accounts you connected (network, handle, dates; never the "
            "access tokens)."
        ),
    ),
    Part(
        "auto_shares", "sharing.AutoShare", "membership", gettext_lazy("Your auto-share settings.")
    ),
    Part(
        "followed_topics",
        "sharing.TopicFollow",
        "membership",
        gettext_lazy("The topics you follow."),
    ),
    Part(
        "tracked_links",
        "links.Link",
        "membership",
        gettext_lazy("Your tracked short links and their counters."),
    ),
    Part(
        "points",
        "gamification.PointEntry",
        "membership",
        gettext_lazy("Your points ledger: each time you earned or lost points, and why."),
    ),
    Part("badges", "gamification.BadgeAward", "membership", gettext_lazy("The badges you earned.")),
    Part(
        "rewards",
        "gamification.RewardRequest",
        "membership",
        gettext_lazy("The rewards you asked for and what was decided."),
    ),
    Part(
        "course_completions",
        "training.CourseCompletion",
        "membership",
        gettext_lazy("Your course enrolments and completions."),
    ),
    Part(
        "lesson_progress",
        "training.LessonProgress",
        "membership",
        gettext_lazy("The lessons you completed."),
    ),
    Part(
        "quiz_attempts",
        "training.QuizAttempt",
        "membership",
        gettext_lazy("Your quiz attempts and scores."),
    ),
    Part(
        "practice_submissions",
        "training.ScenarioResponse",
        "membership",
        gettext_lazy("Your practice answers and the feedback on them."),
    ),
    Part("certificates", "training.Certificate", "membership", gettext_lazy("Your certificates.")),
    Part(
        "session_rsvps",
        "training.SessionRsvp",
        "membership",
        gettext_lazy("Your answers to training session invitations, and attendance."),
    ),
    Part(
        "care_replies",
        "care.CareReply",
        "membership",
        gettext_lazy("The replies to customers you wrote."),
    ),
    Part(
        "care_conversations_assigned",
        "care.Conversation",
        "assignee",
        gettext_lazy("The customer conversations assigned to you."),
    ),
    Part(
        "care_profile", "care.CareAgent", "membership", gettext_lazy("Your customer care profile.")
    ),
    Part(
        "space_threads",
        "community.Thread",
        "author",
        gettext_lazy("The threads you started in spaces."),
    ),
    Part(
        "space_messages",
        "community.Message",
        "author",
        gettext_lazy("The messages you wrote in spaces."),
    ),
    Part(
        "space_memberships",
        "community.SpaceMember",
        "membership",
        gettext_lazy("The spaces you belong to."),
    ),
    Part(
        "suggestions", "content.Suggestion", "membership", gettext_lazy("The posts you suggested.")
    ),
    Part(
        "survey_answers_by_name",
        "surveys.AttributedAnswer",
        "membership",
        gettext_lazy("Your answers to survey questions that said they were asked by name."),
    ),
    Part(
        "surveys_answered",
        "surveys.Answered",
        "membership",
        gettext_lazy("The days you answered (or declined) a survey round; not what you answered."),
    ),
    Part(
        "pilot_volunteering",
        "pilot.Volunteer",
        "membership",
        gettext_lazy("When you offered to take part in the pilot."),
    ),
    Part(
        "pilot_invitations",
        "pilot.PilotInvitation",
        "membership",
        gettext_lazy("Your invitations to the pilot and your answers."),
    ),
    Part(
        "api_tokens",
        "accounts.ApiToken",
        "membership",
        gettext_lazy("Your API tokens: names and dates, never the secrets."),
    ),
)

ANONYMOUS_NOTE = gettext_lazy(
    "Anonymous survey answers are not in this export. They are stored without any link to "
    "the person who gave them (only counted per group, and free text as loose rows), so "
    "nobody, not even Chorus, can tell which of them are yours."
)


def _exported_field(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, EncryptedTextField):
        return False
    return not any(word in field.name for word in SECRET_WORDS)


def _value(value: Any) -> Any:
    if isinstance(value, datetime | timedelta) or not isinstance(
        value, str | int | float | bool | list | dict | type(None)
    ):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return value


def _rows(part: Part, membership: Membership) -> tuple[list[str], Iterator[dict[str, Any]]]:
    model = apps.get_model(part.model)
    fields = [f for f in model._meta.concrete_fields if _exported_field(f)]
    headers = [f.attname for f in fields]
    queryset = model._default_manager.filter(
        organization_id=membership.organization_id, **{part.owner: membership}
    ).order_by("pk")

    def rows() -> Iterator[dict[str, Any]]:
        for row in queryset.values_list(*headers).iterator(chunk_size=2000):
            yield {name: _value(value) for name, value in zip(headers, row, strict=True)}

    return headers, rows()


def _profile(membership: Membership) -> dict[str, Any]:
    from chorus.notifications.models import DeliveryPreference

    user = membership.user
    preference = DeliveryPreference.objects.filter(membership=membership).first()
    return {
        "user": {
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "date_joined": _value(user.date_joined),
            "last_login": _value(user.last_login),
        },
        "membership": {
            "id": membership.pk,
            "organization": membership.organization.name,
            "title": membership.title,
            "roles": membership.roles,
            "is_active": membership.is_active,
            "program_status": membership.program_status,
            "program_status_changed_at": _value(membership.program_status_changed_at),
            "public_ranking": membership.public_ranking,
            "member_since": _value(membership.created_at),
        },
        "groups": sorted(membership.groups.values_list("name", flat=True)),
        "notification_preferences": (
            {
                f.attname: _value(getattr(preference, f.attname))
                for f in DeliveryPreference._meta.concrete_fields
                if f.attname not in ("id", "organization_id", "membership_id")
            }
            if preference is not None
            else None
        ),
    }


def _clicks_per_day(membership: Membership) -> list[dict[str, Any]]:
    """Counts per link and day (the organization's time zone); never who clicked."""
    rows = (
        Click.objects.filter(
            organization_id=membership.organization_id, link__membership=membership
        )
        .annotate(day=TruncDate("created_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("link_id", "link__code", "day")
        .annotate(
            clicks=Count("pk", filter=Q(kind=ClickKind.CLICK)),
            unique_clicks=Count("pk", filter=Q(kind=ClickKind.CLICK, is_unique=True)),
            bot_clicks=Count("pk", filter=~Q(kind=ClickKind.CLICK)),
        )
        .order_by("day", "link_id")
    )
    return [
        {
            "link_id": row["link_id"],
            "link_code": row["link__code"],
            "day": row["day"].isoformat(),
            "clicks": row["clicks"],
            "unique_clicks": row["unique_clicks"],
            "bot_clicks": row["bot_clicks"],
        }
        for row in rows
    ]


def _csv(headers: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                csv_cell(json.dumps(v) if isinstance(v, list | dict) else v)
                for v in (row.get(h) for h in headers)
            ]
        )
    return buffer.getvalue()


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key, inner in value.items():
            out.extend(_flatten(f"{prefix}.{key}" if prefix else key, inner))
        return out
    return [(prefix, value)]


def export_content(*, membership: Membership) -> bytes:
    """The ZIP's bytes: `data.json`, `profile.csv`, `link_clicks_per_day.csv`, one CSV per
    table, `README.txt` (in the member's language)."""
    everything: dict[str, Any] = {
        "generated_at": _value(timezone.now()),
        "organization": membership.organization.name,
        "profile": _profile(membership),
        "link_clicks_per_day": _clicks_per_day(membership),
    }
    files: dict[str, str] = {}
    profile_rows = [
        {"field": key, "value": value} for key, value in _flatten("", everything["profile"])
    ]
    files["profile.csv"] = _csv(["field", "value"], profile_rows)
    files["link_clicks_per_day.csv"] = _csv(
        ["day", "link_id", "link_code", "clicks", "unique_clicks", "bot_clicks"],
        everything["link_clicks_per_day"],
    )
    parts_written: list[Part] = []
    for part in PARTS:
        try:
            headers, rows = _rows(part, membership)
        except LookupError:  # an app not installed in this deployment
            continue
        listed = list(rows)
        everything[part.name] = listed
        files[f"{part.name}.csv"] = _csv(headers, listed)
        parts_written.append(part)
    with translation.override(membership.user.language or settings.LANGUAGE_CODE):
        readme = _readme(membership, parts_written)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        archive.writestr(
            "data.json", json.dumps(everything, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _readme(membership: Membership, parts: list[Part]) -> str:
    lines = [
        _("Your data in %(organization)s, as Chorus keeps it.")
        % {"organization": membership.organization.name},
        "",
        _("Made on %(date)s.") % {"date": timezone.now().date().isoformat()},
        "",
        "README.txt: " + _("this file."),
        "data.json: " + _("everything below in one file (JSON)."),
        "profile.csv: "
        + _(
            "your profile: name, email, language, roles, groups, time zone and notification "
            "preferences."
        ),
        "link_clicks_per_day.csv: "
        + _(
            "clicks counted on your tracked links, per link and day (counts only: who "
            "clicked is never stored by name)."
        ),
    ]
    lines += [f"{part.name}.csv: {part.about}" for part in parts]
    lines += ["", str(ANONYMOUS_NOTE), ""]
    return "\n".join(lines)


def exports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "privacy" / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(export: DataExport) -> Path:
    return exports_dir() / export.file_name


def export_request(*, membership: Membership) -> DataExport:
    """The member asks for their data. One export at a time: a request while one is being
    prepared is refused in words."""
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if DataExport.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            status=ExportStatus.PENDING,
        ).exists():
            raise ValidationError(
                _("Your data is already being prepared. You will be told when it is ready.")
            )
        export = DataExport.objects.create(
            organization_id=membership.organization_id, membership=membership
        )

        def enqueue() -> None:
            from chorus.privacy.tasks import export_build

            export_build.enqueue(export.pk)

        transaction.on_commit(enqueue)
    return export


def export_build(*, export: DataExport) -> DataExport:
    """Write the ZIP, mark it ready for EXPORT_DAYS, tell the member (in the app, and by
    email if they allow it). A failure is marked so that they can ask again."""
    if export.status != ExportStatus.PENDING:
        return export
    membership = export.membership
    try:
        content = export_content(membership=membership)
    except Exception:
        logger.exception("Building data export %s failed", export.pk)
        export.status = ExportStatus.FAILED
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "finished_at"])
        return export
    export.file_name = f"{secrets.token_urlsafe(24)}.zip"
    export_path(export).write_bytes(content)
    now = timezone.now()
    export.status = ExportStatus.READY
    export.size = len(content)
    export.finished_at = now
    export.expires_at = now + timedelta(days=EXPORT_DAYS)
    with transaction.atomic():
        export.save(update_fields=["status", "size", "file_name", "finished_at", "expires_at"])
        notification_create(
            membership=membership,
            kind=NOTIFICATION_KIND,
            message=gettext_lazy(
                "Your data is ready to download until %(date)s. It is kept for 7 days."
            ),
            params={"date": export.expires_at.date().isoformat()},
            url=reverse("privacy_data"),
        )
    return export


def export_delete_file(*, export: DataExport) -> None:
    if export.file_name:
        export_path(export).unlink(missing_ok=True)


def exports_expire(*, now: datetime | None = None) -> int:
    """Delete the files of exports past their time (and of failed ones); mark them expired.
    Runs across organizations (the caller opens the scope)."""
    now = now or timezone.now()
    expired = 0
    due = DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now)
    for export in due.iterator():
        export_delete_file(export=export)
        export.status = ExportStatus.EXPIRED
        export.file_name = ""
        export.save(update_fields=["status", "file_name"])
        expired += 1
    return expired
