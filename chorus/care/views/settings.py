"""The admin's care settings page: targets per priority, warnings, claims, escalation (the
support team's email and signed webhook) and whose own words need no approver."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.models import Organization
from chorus.care.models import CareSettings, Priority
from chorus.care.services import settings as services
from chorus.care.services.targets import care_settings_for
from chorus.training.models import Certification


def _certifications(organization: Organization) -> list[tuple[str, str]]:
    found = Certification.objects.filter(organization=organization).order_by("name", "id")
    return [("", _("Nobody: every reply in own words is approved first"))] + [
        (
            str(item.pk),
            item.name if item.is_active else _("%(name)s (inactive)") % {"name": item.name},
        )
        for item in found
    ]


class CareSettingsForm(forms.Form):
    """Shapes only (whole numbers, text); the service checks ranges, addresses and the
    certification, with the messages the API gives too."""

    warn_minutes = forms.IntegerField(
        label=gettext_lazy("Warn this many minutes before a target is missed"),
        help_text=gettext_lazy("From 1 to 1,440 (a day)."),
    )
    claim_minutes = forms.IntegerField(
        label=gettext_lazy("A claim locks a conversation for (minutes)"),
        help_text=gettext_lazy(
            "While a member answers, nobody else can; the lock ends after this long "
            "without activity."
        ),
    )
    escalation_email = forms.CharField(
        label=gettext_lazy("Support team's email"), required=False, max_length=254
    )
    escalation_webhook_url = forms.CharField(
        label=gettext_lazy("Support team's webhook"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy(
            "An https:// address that receives escalated conversations as JSON, signed "
            "with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)."
        ),
    )
    trusted_certification = forms.ChoiceField(
        label=gettext_lazy(
            "Holders of this certification reply in their own words without approval"
        ),
        required=False,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        certification = self.fields["trusted_certification"]
        assert isinstance(certification, forms.ChoiceField)
        certification.choices = _certifications(organization)
        for priority in Priority:
            for kind, label in (
                ("first_response", _("%(priority)s: first response (minutes)")),
                ("resolution", _("%(priority)s: resolution (minutes)")),
            ):
                self.fields[f"{kind}_minutes_{priority.value}"] = forms.IntegerField(
                    label=label % {"priority": priority.label}
                )

    def target_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (
                str(priority.label),
                self[f"first_response_minutes_{priority.value}"],
                self[f"resolution_minutes_{priority.value}"],
            )
            for priority in Priority
        ]

    def targets(self, kind: str) -> dict[str, int]:
        return {p: self.cleaned_data[f"{kind}_minutes_{p}"] for p in Priority.values}


def _initial(found: CareSettings) -> dict[str, Any]:
    first, resolution = services.targets_of(found)
    initial: dict[str, Any] = {
        "warn_minutes": found.warn_minutes,
        "claim_minutes": found.claim_minutes,
        "escalation_email": found.escalation_email,
        "escalation_webhook_url": found.escalation_webhook_url,
        "trusted_certification": str(found.trusted_certification_id or ""),
    }
    for priority in Priority.values:
        initial[f"first_response_minutes_{priority}"] = first[priority]
        initial[f"resolution_minutes_{priority}"] = resolution[priority]
    return initial


def _page(
    request: MemberRequest,
    form: CareSettingsForm,
    found: CareSettings,
    *,
    new_secret: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "care/settings.html",
        {
            "form": form,
            "care_settings": found,
            "has_secret": bool(found.escalation_webhook_secret),
            "new_secret": new_secret,
        },
        status=status,
    )


@admin_required
def care_settings(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    found = care_settings_for(organization=organization)
    form = CareSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(found),
        organization=organization,
    )
    if request.method != "POST":
        return _page(request, form, found)
    if form.is_valid():
        data = form.cleaned_data
        try:
            change = services.care_settings_update(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                first_response_minutes=form.targets("first_response"),
                resolution_minutes=form.targets("resolution"),
                warn_minutes=data["warn_minutes"],
                claim_minutes=data["claim_minutes"],
                escalation_email=data["escalation_email"],
                escalation_webhook_url=data["escalation_webhook_url"],
                trusted_certification_id=data["trusted_certification"] or None,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The customer care settings were saved."))
            if change.new_secret:
                # Shown once, on this answer: it is stored encrypted and never shown again.
                return _page(request, form, change.settings, new_secret=change.new_secret)
            return redirect("care_settings")
    return _page(request, form, care_settings_for(organization=organization), status=400)


@admin_required
@require_POST
def care_settings_secret_rotate(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    found = care_settings_for(organization=organization)
    if not found.escalation_webhook_url:
        messages.error(request, _("Give the support team's webhook first."))
        return redirect("care_settings")
    secret = services.care_webhook_secret_rotate(
        organization=organization,
        actor=request.user,  # type: ignore[arg-type]
    )
    found.refresh_from_db()
    form = CareSettingsForm(initial=_initial(found), organization=organization)
    return _page(request, form, found, new_secret=secret)
