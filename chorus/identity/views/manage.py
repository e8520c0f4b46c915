"""The admin's "Single sign-on" page: the identity provider (OpenID Connect here; the SAML
section joins it), trying it out, the organization's domains and their verification,
Require SSO and the break-glass admins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.models import Membership, User
from chorus.identity.adapters import TEST_RESULT_KEY, TESTING_KEY
from chorus.identity.forms import sso_redirect
from chorus.identity.models import BreakGlassAdmin, IdentityProvider, ProviderKind, SsoDomain
from chorus.identity.selectors import sso as selectors
from chorus.identity.services import domains as domain_services
from chorus.identity.services import policy as policy_services
from chorus.identity.services import providers as provider_services

ACTIONS = ("save_oidc", "add_domain", "require_sso", "add_break_glass")


def _context(request: MemberRequest, **extra: Any) -> dict[str, Any]:
    organization = request.organization
    providers = selectors.providers(organization=organization)
    oidc = next((p for p in providers if p.kind == ProviderKind.OIDC), None)
    test_result = request.session.pop(TEST_RESULT_KEY, None)
    context: dict[str, Any] = {
        "providers": providers,
        "oidc": oidc,
        "oidc_callback_url": settings.SITE_URL
        + reverse("openid_connect_callback", args=[f"org-{organization.pk}-oidc"]),
        "oidc_values": {
            "name": oidc.name if oidc else "",
            "issuer": oidc.issuer if oidc else "",
            "client_id": oidc.client_id if oidc else "",
        },
        "test_result": test_result,
        "domains": selectors.domains(organization=organization),
        "policy": selectors.policy(organization=organization),
        "sso_in_force": selectors.sso_required(organization=organization),
        "break_glass": selectors.break_glass_admins(organization=organization),
        "break_glass_candidates": selectors.break_glass_candidates(organization=organization),
        "errors": {},
    }
    context.update(extra)
    return context


def _render(request: MemberRequest, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "identity/sso.html", _context(request, **extra), status=status)


@admin_required
def sso_manage(request: MemberRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _render(request, status=400, errors={"form": _("Choose what to do.")})
    organization = request.organization
    actor: User = request.user  # type: ignore[assignment]
    try:
        if action == "save_oidc":
            name = request.POST.get("name", "").strip()[:100]
            issuer = request.POST.get("issuer", "").strip()[:500]
            client_id = request.POST.get("client_id", "").strip()[:255]
            if not name or not issuer or not client_id:
                raise ValidationError(
                    _("Enter the name members see, the issuer and the client ID.")
                )
            provider_services.oidc_provider_save(
                organization=organization,
                actor=actor,
                name=name,
                issuer=issuer,
                client_id=client_id,
                client_secret=request.POST.get("client_secret", "")[:2000],
            )
            messages.success(
                request, _("Saved. The provider's configuration was read; try it out below.")
            )
        elif action == "add_domain":
            claim = domain_services.domain_add(
                organization=organization, actor=actor, domain=request.POST.get("domain", "")[:300]
            )
            messages.success(
                request,
                _("%(domain)s added. Verify it: send a link to an address there.")
                % {"domain": claim.domain},
            )
        elif action == "require_sso":
            required = request.POST.get("require_sso") == "on"
            policy_services.require_sso_set(
                organization=organization, actor=actor, required=required
            )
            messages.success(
                request,
                _("Single sign-on is required.") if required else _("Passwords are allowed again."),
            )
        else:
            value = request.POST.get("membership", "")
            membership = (
                Membership.objects.filter(organization=organization, pk=int(value)).first()
                if value.isdigit() and len(value) < 12
                else None
            )
            if membership is None:
                raise ValidationError(_("Choose an admin."))
            policy_services.break_glass_add(
                organization=organization, actor=actor, membership=membership
            )
            messages.success(
                request,
                _("%(name)s can sign in with a password. Make sure they use two-step sign-in.")
                % {"name": membership.user.name or membership.user.email},
            )
    except ValidationError as error:
        values = None
        if action == "save_oidc":
            values = {
                "name": request.POST.get("name", "")[:100],
                "issuer": request.POST.get("issuer", "")[:500],
                "client_id": request.POST.get("client_id", "")[:255],
            }
        extra: dict[str, Any] = {"errors": {action: " ".join(error.messages)}}
        if values is not None:
            extra["oidc_values"] = values
        if action == "add_domain":
            extra["domain_value"] = request.POST.get("domain", "")[:300]
        return _render(request, status=400, **extra)
    return redirect("identity_sso")


def _provider(request: MemberRequest, provider_id: int) -> IdentityProvider:
    try:
        return selectors.provider_get(organization=request.organization, provider_id=provider_id)
    except IdentityProvider.DoesNotExist as error:
        raise Http404 from error


@require_POST
@admin_required
def provider_toggle(request: MemberRequest, provider_id: int) -> HttpResponse:
    provider = _provider(request, provider_id)
    enable = request.POST.get("enabled") == "on"
    try:
        provider_services.provider_set_enabled(
            provider=provider,
            actor=request.user,  # type: ignore[arg-type]
            enabled=enable,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is on: members at your verified domains sign in with it.")
            % {"name": provider.name}
            if enable
            else _("%(name)s is off.") % {"name": provider.name},
        )
    return redirect("identity_sso")


@require_POST
@admin_required
def provider_test(request: MemberRequest, provider_id: int) -> HttpResponse:
    """Sign in with the provider now: shows what it says, signs nobody in."""
    provider = _provider(request, provider_id)
    if provider.kind == ProviderKind.OIDC and not provider.oidc_configuration.get(
        "authorization_endpoint"
    ):
        messages.error(request, _("Save the provider's settings before trying it."))
        return redirect("identity_sso")
    request.session[TESTING_KEY] = provider.pk
    return sso_redirect(request, provider, email=request.user.email)  # type: ignore[union-attr]


@require_POST
@admin_required
def provider_delete(request: MemberRequest, provider_id: int) -> HttpResponse:
    provider = _provider(request, provider_id)
    if provider.enabled:
        messages.error(request, _("Turn the provider off before removing it."))
        return redirect("identity_sso")
    provider_services.provider_delete(provider=provider, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The provider was removed."))
    return redirect("identity_sso")


def _domain(request: MemberRequest, domain_id: int) -> SsoDomain:
    try:
        return selectors.domain_get(organization=request.organization, domain_id=domain_id)
    except SsoDomain.DoesNotExist as error:
        raise Http404 from error


@require_POST
@admin_required
def domain_send(request: MemberRequest, sso_domain_id: int) -> HttpResponse:
    claim = _domain(request, sso_domain_id)
    local = request.POST.get("local_part", "").strip()[:64]
    address = f"{local}@{claim.domain}" if local and "@" not in local else local
    try:
        domain_services.domain_send_verification(
            claim=claim,
            actor=request.user,  # type: ignore[arg-type]
            address=address,
            site_url=settings.SITE_URL,
        )
    except ValidationError as error:
        return _render(
            request,
            status=400,
            errors={f"domain_{claim.pk}": " ".join(error.messages)},
        )
    messages.success(
        request,
        _("A link went to %(address)s. Whoever reads it there confirms the domain.")
        % {"address": address},
    )
    return redirect("identity_sso")


@require_POST
@admin_required
def domain_remove(request: MemberRequest, sso_domain_id: int) -> HttpResponse:
    claim = _domain(request, sso_domain_id)
    domain_services.domain_remove(claim=claim, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("%(domain)s removed.") % {"domain": claim.domain})
    return redirect("identity_sso")


@require_POST
@admin_required
def break_glass_remove(request: MemberRequest, break_glass_id: int) -> HttpResponse:
    try:
        entry = selectors.break_glass_get(
            organization=request.organization, break_glass_id=break_glass_id
        )
    except BreakGlassAdmin.DoesNotExist as error:
        raise Http404 from error
    try:
        policy_services.break_glass_remove(entry=entry, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Removed from the break-glass admins."))
    return redirect("identity_sso")
