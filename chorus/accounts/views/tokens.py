"""Personal API tokens, managed from the settings page (with or without htmx)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.accounts.forms import ApiTokenForm, ProfileForm
from chorus.accounts.models import ApiToken
from chorus.accounts.services import tokens as services


def _section(request: MemberRequest, **context: Any) -> HttpResponse:
    """The tokens section alone for htmx, else the whole settings page around it."""
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "accounts/tokens_section.html", context)
    context["form"] = ProfileForm(instance=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/settings.html", context)


@require_POST
@member_required
def token_create(request: MemberRequest) -> HttpResponse:
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _section(request, token_form=token_form)
    try:
        token, secret = services.api_token_create(
            membership=request.membership, name=token_form.cleaned_data["name"]
        )
    except ValidationError as error:
        token_form.add_error("name", error)
        return _section(request, token_form=token_form)
    response = _section(request, new_token=token, new_secret=secret)
    # The answer carries the secret: no cache (nor the back button) may keep it.
    add_never_cache_headers(response)
    return response


@require_POST
@member_required
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    # Only the member's own tokens: another member's id is a 404, even in this organization.
    token = get_object_or_404(ApiToken, pk=token_id, membership=request.membership)
    services.api_token_revoke(token=token, actor=request.membership.user)
    if request.htmx:  # type: ignore[attr-defined]
        return _section(request, revoked_token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("settings")
