"""Organization settings: the name, the advocacy program terms and the link settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.forms_admin import OrganizationNameForm, ProgramTermsForm
from chorus.accounts.services import organization as services
from chorus.links.forms import LinkSettingsForm
from chorus.links.selectors import links as link_selectors
from chorus.links.services.links import link_settings_update


@admin_required
def organization_settings(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    section = request.POST.get("section") if request.method == "POST" else None
    name_form = OrganizationNameForm(
        request.POST if section == "name" else None,
        initial={"name": organization.name},
        prefix="org",
    )
    terms_form = ProgramTermsForm(
        request.POST if section == "terms" else None,
        initial={"program_terms": organization.program_terms},
        prefix="terms",
    )
    link_settings = link_selectors.link_settings_get(organization=organization)
    links_form = LinkSettingsForm(
        request.POST if section == "links" else None,
        initial={
            "short_domain": link_settings.short_domain if link_settings else "",
            "fallback_url": link_settings.fallback_url if link_settings else "",
        },
        prefix="links",
    )
    if section == "links" and links_form.is_valid():
        try:
            link_settings_update(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                short_domain=links_form.cleaned_data["short_domain"],
                fallback_url=links_form.cleaned_data["fallback_url"],
            )
        except ValidationError as exc:
            links_form.add_error(None, exc)
        else:
            messages.success(request, "The link settings were saved.")
            return redirect("organization_settings")
    if section == "name" and name_form.is_valid():
        try:
            services.organization_rename(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                name=name_form.cleaned_data["name"],
            )
        except ValidationError as exc:
            name_form.add_error("name", exc.messages[0])
        else:
            messages.success(request, "The organization name was saved.")
            return redirect("organization_settings")
    if section == "terms" and terms_form.is_valid():
        version = organization.program_terms_version
        try:
            services.organization_update_terms(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                terms=terms_form.cleaned_data["program_terms"],
            )
        except ValidationError as exc:
            terms_form.add_error("program_terms", exc.messages[0])
        else:
            if organization.program_terms_version == version:
                messages.info(request, "The terms did not change.")
            else:
                messages.success(
                    request,
                    f"The program terms are now version {organization.program_terms_version}.",
                )
            return redirect("organization_settings")
    if request.method == "POST":
        # The form did not save: show the stored values around it.
        organization.refresh_from_db()
    return render(
        request,
        "accounts/organization.html",
        {
            "organization": organization,
            "name_form": name_form,
            "terms_form": terms_form,
            "links_form": links_form,
        },
        status=400 if request.method == "POST" else 200,
    )
