"""The admin's two-step sign-in page: the requirement, its grace period, and coverage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.models import User
from chorus.identity.mfa.forms import MfaPolicyForm
from chorus.identity.mfa.models import GRACE_DAYS_DEFAULT
from chorus.identity.mfa.selectors import policy as selectors
from chorus.identity.mfa.services.policy import mfa_policy_update


@admin_required
def mfa_policy_page(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    policy = selectors.policy_of(organization=organization)
    initial = {
        "required": policy.required if policy else False,
        "grace_days": policy.grace_days if policy else GRACE_DAYS_DEFAULT,
    }
    form = MfaPolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actor: User = request.user  # type: ignore[assignment]
            try:
                mfa_policy_update(
                    organization=organization,
                    actor=actor,
                    required=form.cleaned_data["required"],
                    grace_days=form.cleaned_data["grace_days"],
                )
            except ValidationError as error:
                form.add_error("grace_days", error)
            else:
                messages.success(request, _("Two-step sign-in settings saved."))
                return redirect("identity_mfa_settings")
        status = 400
    return render(
        request,
        "identity_mfa/settings.html",
        {
            "form": form,
            "policy": policy,
            "coverage": selectors.coverage(organization=organization),
            "sso_required": selectors.password_sign_in_restricted(organization=organization),
        },
        status=status,
    )
