"""The admins' SCIM page: the base URL for the identity provider, tokens, recent requests."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.identity.scim.models import REQUEST_LOG_DAYS, ScimRequest, ScimToken
from chorus.identity.scim.services import tokens as services

RECENT_REQUESTS = 50


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Token name"),
        max_length=100,
        help_text=gettext_lazy("e.g. “Okta” or “Microsoft Entra ID”, so you recognise it later."),
    )


def _page(
    request: MemberRequest, form: ScimTokenForm, status: int = 200, **extra: object
) -> HttpResponse:
    organization = request.organization
    context = {
        "form": form,
        "base_url": request.build_absolute_uri("/scim/v2/"),
        "tokens": ScimToken.objects.filter(organization=organization),
        "recent": ScimRequest.objects.filter(organization=organization)[:RECENT_REQUESTS],
        "log_days": REQUEST_LOG_DAYS,
        **extra,
    }
    return render(request, "scim/settings.html", context, status=status)


@admin_required
def scim_settings(request: MemberRequest) -> HttpResponse:
    form = ScimTokenForm(request.POST or None)
    if request.method != "POST":
        return _page(request, form)
    if form.is_valid():
        try:
            token, secret = services.scim_token_create(
                organization=request.organization,
                actor=request.membership.user,
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            response = _page(request, ScimTokenForm(), new_token=token, new_secret=secret)
            # The answer carries the secret: no cache (nor the back button) may keep it.
            add_never_cache_headers(response)
            return response
    return _page(request, form, status=400)


@require_POST
@admin_required
def scim_token_revoke(request: MemberRequest, scim_token_id: int) -> HttpResponse:
    token = get_object_or_404(ScimToken, pk=scim_token_id, organization=request.organization)
    services.scim_token_revoke(token=token, actor=request.membership.user)
    messages.success(
        request,
        _("The SCIM token “%(name)s” was revoked: your identity provider can no longer use it.")
        % {"name": token.name},
    )
    return redirect(reverse("identity_scim_settings"))
