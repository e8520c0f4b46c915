"""The badges pages: the member's (/badges/) and the admins' (/manage/badges/).

Every page is a 404 while the organization has gamification turned off.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, admin_required, member_required
from chorus.gamification.access import require_on
from chorus.gamification.models import Badge, Criterion
from chorus.gamification.selectors import badges as selectors
from chorus.gamification.services import badges as services
from chorus.gamification.views.manage import active_set_from_post, form_save


class BadgeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=services.MAX_DESCRIPTION
    )
    criterion = forms.ChoiceField(label=gettext_lazy("Criterion"), choices=Criterion.choices)
    threshold = forms.IntegerField(
        label=gettext_lazy("Threshold"),
        min_value=1,
        max_value=services.MAX_THRESHOLD,
        initial=1,
        help_text=gettext_lazy(
            "N shares, clicks, networks or weeks; 1 for first share, "
            "suggestion accepted and certified."
        ),
    )
    active = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Active (members can earn it)")
    )

    def fields_value(self) -> services.BadgeFields:
        data = self.cleaned_data
        return services.BadgeFields(
            name=data["name"],
            description=data["description"],
            criterion=data["criterion"],
            threshold=data["threshold"],
            active=data["active"],
        )


@require_GET
@member_required
def badges(request: MemberRequest) -> HttpResponse:
    require_on(request)
    progress = selectors.badges_progress(membership=request.membership)
    current, best = selectors.sharing_streak(request.membership)
    context = {
        "earned": [item for item in progress if item.earned],
        "to_earn": [item for item in progress if not item.earned],
        "streak_current": current,
        "streak_best": best,
    }
    return render(request, "gamification/badges.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def manage_badges(request: MemberRequest) -> HttpResponse:
    """Every badge with how many earned it, and a form to add one (POST)."""
    require_on(request)
    form = BadgeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        created = form_save(
            form,
            lambda: services.badge_create(
                organization=request.organization,
                actor=request.user,  # type: ignore[arg-type]
                fields=form.fields_value(),
            ),
        )
        if created is not None:
            messages.success(request, _("Badge “%(name)s” added.") % {"name": created.name})
            return redirect("manage_badges")
    context: dict[str, Any] = {
        "form": form,
        "badges": selectors.badges_all(organization=request.organization),
        "suggested": services.SUGGESTED,
    }
    return render(
        request, "gamification/badges_manage.html", context, status=422 if form.is_bound else 200
    )


@require_POST
@admin_required
def manage_badges_suggested(request: MemberRequest) -> HttpResponse:
    require_on(request)
    try:
        added = services.badges_add_suggested(
            organization=request.organization,
            actor=request.user,  # type: ignore[arg-type]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s suggested badge added.", "%(count)s suggested badges added.", len(added)
            )
            % {"count": len(added)},
        )
    return redirect("manage_badges")


@require_http_methods(["GET", "POST"])
@admin_required
def manage_badge_edit(request: MemberRequest, badge_id: int) -> HttpResponse:
    """Edit a badge, and who earned it."""
    require_on(request)
    badge = get_object_or_404(Badge, pk=badge_id, organization=request.organization)
    if request.method == "POST":
        form = BadgeForm(request.POST)
        if (
            form.is_valid()
            and form_save(
                form,
                lambda: services.badge_update(
                    badge=badge,
                    actor=request.user,  # type: ignore[arg-type]
                    fields=form.fields_value(),
                ),
            )
            is not None
        ):
            messages.success(
                request,
                _("Badge “%(name)s” saved.") % {"name": form.cleaned_data["name"].strip()},
            )
            return redirect("manage_badges")
    else:
        form = BadgeForm(
            initial={
                "name": badge.name,
                "description": badge.description,
                "criterion": badge.criterion,
                "threshold": badge.threshold,
                "active": badge.active,
            }
        )
    context = {"form": form, "badge": badge, "holders": selectors.badge_holders(badge=badge)}
    status = 422 if form.is_bound else 200
    return render(request, "gamification/badges_edit.html", context, status=status)


@require_POST
@admin_required
def manage_badge_active(request: MemberRequest, badge_id: int) -> HttpResponse:
    """Deactivate a badge (active=0; earned ones stay) or re-activate it (active=1)."""
    require_on(request)
    badge = get_object_or_404(Badge, pk=badge_id, organization=request.organization)
    return active_set_from_post(
        request,
        set_active=lambda active: services.badge_set_active(
            badge=badge,
            actor=request.user,  # type: ignore[arg-type]
            active=active,
        ),
        unclear=_("Choose whether the badge is active or not."),
        done=(
            _("Badge “%(name)s” deactivated (members keep it if earned).") % {"name": badge.name},
            _("Badge “%(name)s” active again.") % {"name": badge.name},
        ),
        back="manage_badges",
    )
