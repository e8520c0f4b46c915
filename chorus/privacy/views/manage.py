"""Administration of personal data (under "Organization"): pending erasure requests, an
admin erasing a member, and how long raw data is kept."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.selectors import members as member_selectors
from chorus.privacy.forms import RetentionForm
from chorus.privacy.selectors import privacy as selectors
from chorus.privacy.services import erasure as erasure_services
from chorus.privacy.services import retention as retention_services


@admin_required
def data_overview(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    return render(
        request,
        "privacy/manage.html",
        {
            "erasures": list(selectors.erasures_pending(organization=organization)),
            "retention": retention_services.retention_get(organization=organization),
        },
    )


@admin_required
def retention_page(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    current = retention_services.retention_get(organization=organization)
    form = RetentionForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        retention_services.retention_update(
            organization=organization,
            actor=request.user,  # type: ignore[arg-type]
            clicks_days=form.cleaned_data["clicks_days"],
            audit_days=form.cleaned_data["audit_days"],
            deliveries_days=form.cleaned_data["deliveries_days"],
        )
        messages.success(request, _("The retention settings were saved."))
        return redirect("organization_data_retention")
    return render(request, "privacy/retention.html", {"form": form})


@admin_required
def member_erase(request: MemberRequest, member_id: int) -> HttpResponse:
    member = member_selectors.member_get(organization=request.organization, member_id=member_id)
    if member is None:
        raise Http404("No such member.")
    refusal = erasure_services.erasure_refusal(membership=member)
    if not refusal and member.user_id == request.user.pk:
        refusal = _("To erase yourself, ask for it under Settings → Your data.")
    error = ""
    if request.method == "POST" and not refusal:
        typed = request.POST.get("email", "").strip().lower()
        if typed != member.user.email.lower():
            error = _("Type the member's email address exactly as it is shown to confirm.")
        else:
            try:
                erasure_services.member_erase(membership=member, actor=request.user)  # type: ignore[arg-type]
            except ValidationError as refused:
                error = " ".join(refused.messages)
            else:
                messages.success(
                    request,
                    _("The member was erased. They are now shown as %(name)s.")
                    % {"name": erasure_services.former_member_name(member)},
                )
                return redirect("member_detail", member_id=member.pk)
    return render(
        request,
        "privacy/member_erase.html",
        {"member": member, "refusal": refusal, "error": error},
        status=400 if error else 200,
    )


@require_POST
@admin_required
def erasure_carry_out(request: MemberRequest, erasure_id: int) -> HttpResponse:
    erasure = selectors.erasure_get(organization=request.organization, erasure_id=erasure_id)
    if erasure is None:
        raise Http404("No such request.")
    if erasure.status != "pending":
        messages.error(request, _("This request was already cancelled or carried out."))
        return redirect("organization_data")
    try:
        erasure_services.member_erase(membership=erasure.membership, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The member was erased."))
    return redirect("organization_data")
