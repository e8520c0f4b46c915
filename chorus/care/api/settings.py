"""The care API: settings (admins): targets per priority, warnings, claims, escalation and
the trusted certification; the support webhook's signing secret (shown once)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input
from chorus.care.models import CareSettings
from chorus.care.services import settings as services
from chorus.care.services.targets import care_settings_for
from chorus.core.validators import WebURLOrBlank

router = Router(tags=["care"])


class CareSettingsOut(Schema):
    first_response_minutes: dict[str, int] = Field(
        description="Minutes to the first public answer, per priority (urgent, high, normal, low)"
    )
    resolution_minutes: dict[str, int] = Field(description="Minutes to closing, per priority")
    warn_minutes: int = Field(description="Warn this many minutes before a target is missed")
    claim_minutes: int = Field(description="How long a claim locks a conversation")
    escalation_email: str
    escalation_webhook_url: str
    escalation_webhook_has_secret: bool
    trusted_certification_id: int | None = Field(
        description="Holders reply in their own words without approval"
    )
    new_webhook_secret: str = Field(
        "",
        description=(
            "A new Standard Webhooks signing secret (whsec_...), given once when the webhook "
            "is first set or the secret is rotated; empty otherwise"
        ),
    )


class CareSettingsIn(Input):
    """Only the fields given change."""

    first_response_minutes: dict[str, int] | None = Field(
        None, description="Minutes per priority, 1 to 525,600; priorities not named keep theirs"
    )
    resolution_minutes: dict[str, int] | None = None
    warn_minutes: int | None = Field(None, description="1 to 1,440")
    claim_minutes: int | None = Field(None, description="1 to 1,440")
    escalation_email: str | None = Field(None, max_length=254)
    escalation_webhook_url: WebURLOrBlank | None = None
    trusted_certification_id: Id | None = Field(
        None, description="A certification of the organization"
    )
    no_trusted_certification: bool = Field(
        False, description="True: every reply in own words is approved first"
    )


def _out(found: CareSettings, *, new_secret: str = "") -> CareSettingsOut:
    first, resolution = services.targets_of(found)
    return CareSettingsOut(
        first_response_minutes=first,
        resolution_minutes=resolution,
        warn_minutes=found.warn_minutes,
        claim_minutes=found.claim_minutes,
        escalation_email=found.escalation_email,
        escalation_webhook_url=found.escalation_webhook_url,
        escalation_webhook_has_secret=bool(found.escalation_webhook_secret),
        trusted_certification_id=found.trusted_certification_id,
        new_webhook_secret=new_secret,
    )


@router.get(
    "/care/settings",
    response={200: CareSettingsOut},
    summary="The organization's care settings",
)
@api_roles("admin")
def care_settings_get(request: HttpRequest) -> CareSettingsOut:
    return _out(care_settings_for(organization=calling_member(request).organization))


@router.patch(
    "/care/settings",
    response={200: CareSettingsOut, 422: Error},
    summary="Change the care settings",
    description=(
        "Only the fields given change; nothing is saved when one is refused. Changed targets "
        "move the due times of every running conversation. A webhook set for the first time "
        "gets a signing secret, returned once in new_webhook_secret. Audited."
    ),
)
@api_roles("admin")
def care_settings_patch(request: HttpRequest, body: CareSettingsIn) -> CareSettingsOut:
    member = calling_member(request)
    certification: object = ...
    if body.no_trusted_certification:
        certification = None
    elif body.trusted_certification_id is not None:
        certification = body.trusted_certification_id
    change = services.care_settings_update(
        organization=member.organization,
        actor=member.user,
        first_response_minutes=body.first_response_minutes,
        resolution_minutes=body.resolution_minutes,
        warn_minutes=body.warn_minutes,
        claim_minutes=body.claim_minutes,
        escalation_email=body.escalation_email,
        escalation_webhook_url=body.escalation_webhook_url,
        trusted_certification_id=certification,
    )
    return _out(change.settings, new_secret=change.new_secret)


@router.post(
    "/care/settings/webhook-secret",
    response={200: CareSettingsOut, 422: Error},
    summary="A new signing secret for the support team's webhook",
    description="The old secret stops at once; the new one is returned once. Audited.",
)
@api_roles("admin")
def care_settings_secret_rotate(request: HttpRequest) -> CareSettingsOut:
    member = calling_member(request)
    found = care_settings_for(organization=member.organization)
    if not found.escalation_webhook_url:
        raise ValidationError(_("Give the support team's webhook first."))
    secret = services.care_webhook_secret_rotate(
        organization=member.organization, actor=member.user
    )
    found.refresh_from_db()
    return _out(found, new_secret=secret)
