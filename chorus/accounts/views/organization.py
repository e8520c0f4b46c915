"""Organization settings: the name, the look (logo, accent colour), the advocacy program
terms and the link settings; the organization's logo and stylesheet."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, admin_required, member_required, public
from chorus.accounts.forms_admin import OrganizationLookForm, OrganizationNameForm, ProgramTermsForm
from chorus.accounts.models import Organization
from chorus.accounts.selectors import branding as branding_selectors
from chorus.accounts.services import branding
from chorus.accounts.services import organization as services
from chorus.core.tenancy import across_organizations
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
    look_form = OrganizationLookForm(
        request.POST if section == "look" else None,
        request.FILES if section == "look" else None,
        initial={"accent_color": organization.accent_color},
        prefix="look",
    )
    if section == "look" and look_form.is_valid() and _save_look(request, look_form):
        return redirect("organization_settings")
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
            messages.success(request, _("The link settings were saved."))
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
            messages.success(request, _("The organization name was saved."))
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
                messages.info(request, _("The terms did not change."))
            else:
                messages.success(
                    request,
                    _("The program terms are now version %(version)s.")
                    % {"version": organization.program_terms_version},
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
            "look_form": look_form,
            "logo_path": branding_selectors.organization_logo_path(organization=organization),
            "terms_form": terms_form,
            "links_form": links_form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _save_look(request: MemberRequest, form: OrganizationLookForm) -> bool:
    """Save the logo and the colour; False (errors on the form) when either was refused."""
    organization = request.organization
    actor = request.user
    upload = form.cleaned_data["logo"]
    # Check the colour before anything is saved: a refusal then changes nothing.
    try:
        branding.accent_color_clean(form.cleaned_data["accent_color"])
    except ValidationError as error:
        form.add_error("accent_color", error.messages[0])
        return False
    try:
        if upload:
            if (upload.size or 0) > settings.POST_IMAGE_MAX_BYTES:
                limit = settings.POST_IMAGE_MAX_BYTES / (1024 * 1024)
                raise ValidationError(
                    _("The logo is too large: at most %(limit).0f MB.") % {"limit": limit}
                )
            branding.organization_set_logo(
                organization=organization,
                actor=actor,  # type: ignore[arg-type]
                data=upload.read(),
                name=upload.name or "",
            )
        elif form.cleaned_data["remove_logo"]:
            branding.organization_remove_logo(organization=organization, actor=actor)  # type: ignore[arg-type]
    except ValidationError as error:
        form.add_error("logo", error.messages[0])
        return False
    try:
        branding.organization_set_accent_color(
            organization=organization,
            actor=actor,  # type: ignore[arg-type]
            value=form.cleaned_data["accent_color"],
        )
    except ValidationError as error:
        form.add_error("accent_color", error.messages[0])
        return False
    messages.success(request, _("The logo and colour were saved."))
    return True


@require_GET
@member_required
def organization_theme(request: MemberRequest) -> HttpResponse:
    """The organization's accent colour as a stylesheet (the CSP forbids inline styles)."""
    css = branding_selectors.organization_theme_css(organization=request.organization)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    # Its address carries the colour (?v=), so a browser may keep it.
    response["Cache-Control"] = "private, max-age=86400"
    return response


LOGO_NAME = re.compile(r"^[0-9a-f]{32}\.png$")


@require_GET
@public
def organization_logo(request: HttpRequest, secret: str) -> HttpResponse:
    """An organization's logo, to anyone who has its address (invitation emails show it to
    people not signed in yet). The address is the stored file's random name, new with every
    upload; an old or made-up one is 404."""
    if not LOGO_NAME.match(secret):
        raise Http404("No such logo.")
    with across_organizations("a logo is found by its random file name"):
        organization = Organization.objects.filter(logo__endswith=f"/{secret}").first()
    if organization is None or organization.logo_file_name != secret:
        raise Http404("No such logo.")
    try:
        handle = organization.logo.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("This logo file is missing.") from error
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]
