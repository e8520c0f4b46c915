"""Certifications: trainers define them and see who holds them; members see their
certificates and what is left to earn the others; a certificate's verification page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.training.models import Certificate, Certification, Course, Scenario
from chorus.training.selectors import certification as selectors
from chorus.training.selectors.learning import current_completions
from chorus.training.selectors.scenarios import passed_scenarios
from chorus.training.services import certification as services

# Each state's list on a certification's page shows at most this many members.
HOLDERS_SHOWN = 200


class CertificationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What holding it means, shown to members."),
    )
    courses = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Required courses"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Each done at its current major version."),
    )
    scenarios = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Practice scenarios to pass"),
        queryset=Scenario.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sessions_required = forms.IntegerField(
        label=gettext_lazy("Sessions to attend"),
        min_value=0,
        max_value=services.MAX_SESSIONS,
        initial=0,
        help_text=gettext_lazy("Sessions marked as counting toward this certification."),
    )
    validity_months = forms.IntegerField(
        label=gettext_lazy("Valid for (months)"),
        min_value=0,
        max_value=services.MAX_VALIDITY_MONTHS,
        initial=12,
        help_text=gettext_lazy("0: a certificate never expires."),
    )
    reminder_days = forms.IntegerField(
        label=gettext_lazy("Remind days before expiry"),
        min_value=0,
        max_value=services.MAX_REMINDER_DAYS,
        initial=30,
        help_text=gettext_lazy("Renewing is possible from then on."),
    )
    refresher_courses = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Refresher courses"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "What renewing takes: retaking these courses. None marked: every required course."
        ),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active: members can earn it"), required=False, initial=True
    )

    def __init__(self, *args: Any, request: MemberRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.filter(organization=request.organization).order_by("title", "id")
        for name in ("courses", "refresher_courses"):
            course_field: Any = self.fields[name]
            course_field.queryset = courses
        scenario_field: Any = self.fields["scenarios"]
        scenario_field.queryset = Scenario.objects.filter(organization=request.organization)


def _initial(certification: Certification) -> dict[str, Any]:
    return {
        "name": certification.name,
        "description": certification.description,
        "courses": list(certification.courses.all()),
        "scenarios": list(certification.scenarios.all()),
        "sessions_required": certification.sessions_required,
        "validity_months": certification.validity_months,
        "reminder_days": certification.reminder_days,
        "refresher_courses": list(certification.refresher_courses.all()),
        "is_active": certification.is_active,
    }


def _save(
    request: MemberRequest, form: CertificationForm, certification: Certification | None
) -> Certification | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    fields = services.CertificationFields(
        name=data["name"],
        description=data["description"],
        courses=list(data["courses"]),
        scenarios=list(data["scenarios"]),
        sessions_required=data["sessions_required"],
        validity_months=data["validity_months"],
        reminder_days=data["reminder_days"],
        refresher_courses=list(data["refresher_courses"]),
        is_active=data["is_active"],
    )
    try:
        if certification is None:
            return services.certification_create(membership=request.membership, fields=fields)
        return services.certification_update(
            membership=request.membership, certification=certification, fields=fields
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return None


def _certification(request: MemberRequest, certification_id: int) -> Certification:
    certification = selectors.certification_of_organization(
        organization=request.organization, certification_id=certification_id
    )
    if certification is None:
        raise Http404
    return certification


@require_GET
@role_required("trainer")
def training_certifications(request: MemberRequest) -> HttpResponse:
    """The certifications, with how many members hold each and how many expire soon."""
    certifications = selectors.certifications_overview(organization=request.organization)
    return render(
        request, "training/certifications_manage.html", {"certifications": certifications}
    )


@role_required("trainer")
def training_certification_new(request: MemberRequest) -> HttpResponse:
    form = CertificationForm(request.POST or None, request=request)
    if request.method == "POST":
        certification = _save(request, form, None)
        if certification is not None:
            messages.success(request, _("Certification saved."))
            return redirect("training_certification", certification_id=certification.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "training/certification_form.html",
        {"form": form, "certification": None},
        status=status,
    )


@role_required("trainer")
def training_certification_edit(request: MemberRequest, certification_id: int) -> HttpResponse:
    certification = _certification(request, certification_id)
    form = CertificationForm(request.POST or None, request=request, initial=_initial(certification))
    if request.method == "POST":
        saved = _save(request, form, certification)
        if saved is not None:
            messages.success(request, _("Certification saved."))
            return redirect("training_certification", certification_id=saved.pk)
        certification.refresh_from_db()
    status = 400 if form.is_bound else 200
    return render(
        request,
        "training/certification_form.html",
        {"form": form, "certification": certification},
        status=status,
    )


@require_GET
@role_required("trainer")
def training_certification(request: MemberRequest, certification_id: int) -> HttpResponse:
    """Who holds the certification: valid, expiring soon, expired, revoked."""
    certification = _certification(request, certification_id)
    holders = selectors.certification_holders(certification=certification)
    groups: dict[str, list[selectors.Holder]] = {
        selectors.VALID: [],
        selectors.EXPIRING: [],
        selectors.EXPIRED: [],
        selectors.REVOKED: [],
    }
    for holder in holders:
        groups[holder.state].append(holder)
    headings = {
        selectors.VALID: gettext_lazy("Valid"),
        selectors.EXPIRING: gettext_lazy("Expiring soon"),
        selectors.EXPIRED: gettext_lazy("Expired"),
        selectors.REVOKED: gettext_lazy("Revoked"),
    }
    sections = [
        {
            "id": f"holders-{state}",
            "heading": headings[state],
            "holders": found[:HOLDERS_SHOWN],
            "total": len(found),
        }
        for state, found in groups.items()
    ]
    return render(
        request,
        "training/certification_holders.html",
        {
            "certification": certification,
            "sections": sections,
            "shown": HOLDERS_SHOWN,
            "refresher": selectors.refresher_courses(certification),
        },
    )


@role_required("trainer")
def training_certificate_revoke(request: MemberRequest, certificate_id: int) -> HttpResponse:
    """Revoke a member's certificate, with a reason they are told."""
    certificate = (
        Certificate.objects.filter(organization=request.organization, pk=certificate_id)
        .select_related("certification", "membership__user")
        .first()
    )
    if certificate is None:
        raise Http404
    errors: list[str] = []
    reason = ""
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.certificate_revoke(
                membership=request.membership, certificate=certificate, reason=reason
            )
        except ValidationError as error:
            errors = error.messages
            status = 400
        else:
            messages.success(request, _("Certificate revoked; the member is told."))
            return redirect("training_certification", certification_id=certificate.certification_id)
    return render(
        request,
        "training/certificate_revoke.html",
        {
            "certificate": certificate,
            "errors": errors,
            "reason": reason,
            "max_reason": services.MAX_REASON,
        },
        status=status,
    )


# Members ------------------------------------------------------------------------------


@require_GET
@member_required
def my_certificates(request: MemberRequest) -> HttpResponse:
    """The member's certificates with their dates and state, and for every active
    certification they do not hold, what is left to do."""
    membership = request.membership
    now = timezone.now()
    certificates = list(selectors.certificates_of_member(membership=membership))
    latest: dict[int, Certificate] = {}
    for certificate in certificates:
        latest.setdefault(certificate.certification_id, certificate)
    rows = []
    for certificate in latest.values():
        state = selectors.certificate_state(certificate, now)
        rows.append(
            {
                "certificate": certificate,
                "state": state,
                "refresher": selectors.refresher_courses(certificate.certification)
                if state != selectors.VALID
                else [],
            }
        )
    completions = current_completions(membership)
    passed = passed_scenarios(membership)
    todo = []
    active = selectors.certifications_of_organization(organization=request.organization).filter(
        is_active=True
    )
    for certification in active:
        held = latest.get(certification.pk)
        if held is not None and selectors.certificate_state(held, now) in (
            selectors.VALID,
            selectors.EXPIRING,
        ):
            continue
        todo.append(
            selectors.certification_progress(
                membership=membership,
                certification=certification,
                latest=held,
                completions=completions,
                passed=passed,
            )
        )
    history = [c for c in certificates if latest.get(c.certification_id) is not c]
    return render(
        request,
        "training/my_certificates.html",
        {"rows": rows, "todo": todo, "history": history},
    )


@require_GET
@member_required
def certificate_detail(request: MemberRequest, certificate_code: str) -> HttpResponse:
    """The verification page: who, which certification, issued, valid until, and whether it
    is valid now. Any member of the same organization may open it; others get 404."""
    certificate = selectors.certificate_by_code(
        membership=request.membership, code=certificate_code[:32]
    )
    if certificate is None:
        raise Http404
    state = selectors.certificate_state(certificate)
    return render(
        request,
        "training/certificate_detail.html",
        {
            "certificate": certificate,
            "state": state,
            "valid": state in (selectors.VALID, selectors.EXPIRING),
            "own": certificate.membership_id == request.membership.pk,
            "verify_url": request.build_absolute_uri(),
        },
    )
