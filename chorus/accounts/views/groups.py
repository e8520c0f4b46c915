"""Admin pages for groups: departments, regions, languages and custom groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.forms_admin import GroupAddMembersForm, GroupCreateForm, GroupUpdateForm
from chorus.accounts.models import Group, GroupKind, Membership
from chorus.accounts.selectors import groups as group_selectors
from chorus.accounts.selectors import members as member_selectors
from chorus.accounts.services import groups as services

MEMBERS_PER_PAGE = 50
# Each kind's heading on the groups page, and what it says without groups.
KIND_HEADINGS: dict[str, Promise] = {
    GroupKind.DEPARTMENT: gettext_lazy("Departments"),
    GroupKind.REGION: gettext_lazy("Regions"),
    GroupKind.LANGUAGE: gettext_lazy("Languages"),
    GroupKind.CUSTOM: gettext_lazy("Custom groups"),
    GroupKind.PROVISIONED: gettext_lazy("From the identity provider"),
    GroupKind.PILOT: gettext_lazy("Pilot cohort"),
}
KIND_EMPTY: dict[str, Promise] = {
    GroupKind.DEPARTMENT: gettext_lazy("No department group yet."),
    GroupKind.REGION: gettext_lazy("No region group yet."),
    GroupKind.LANGUAGE: gettext_lazy("No language group yet."),
    GroupKind.CUSTOM: gettext_lazy("No custom group yet."),
    GroupKind.PROVISIONED: gettext_lazy("Your identity provider has sent no group (SCIM)."),
    GroupKind.PILOT: gettext_lazy("No pilot yet."),
}


@admin_required
def group_list(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    form = GroupCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_error("name", exc.messages[0])
        else:
            messages.success(request, _("Group %(name)s created.") % {"name": group.name})
            return redirect("group_detail", group_id=group.pk)
    groups = list(group_selectors.group_list(organization=organization))
    by_kind = [
        (KIND_HEADINGS[kind], KIND_EMPTY[kind], [group for group in groups if group.kind == kind])
        for kind in GroupKind.values
    ]
    status = 400 if form.is_bound else 200
    return render(
        request, "accounts/groups.html", {"form": form, "by_kind": by_kind}, status=status
    )


def _group_or_404(request: MemberRequest, group_id: int) -> Group:
    return get_object_or_404(Group, pk=group_id, organization=request.organization)


def _candidates_context(request: MemberRequest, group: Group) -> dict[str, Any]:
    # NUL characters are refused by PostgreSQL: drop them rather than fail.
    q = request.GET.get("q", "").replace("\x00", "")[:200]
    candidates = member_selectors.member_group_candidates(
        organization=request.organization, group=group, q=q
    )
    return {"group": group, "q": q, "candidates": candidates}


@admin_required
def group_detail(request: MemberRequest, group_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    form = GroupUpdateForm(
        request.POST or None, initial={"name": group.name, "description": group.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(
                group=group,
                actor=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_error("name", exc.messages[0])
        else:
            messages.success(request, _("Group saved."))
            return redirect("group_detail", group_id=group.pk)
    if form.is_bound:
        # Keep the stored name in the heading when the new one was refused.
        group.refresh_from_db()
    members = group_selectors.group_members(organization=request.organization, group=group)
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, **_candidates_context(request, group)}
    status = 400 if form.is_bound else 200
    return render(request, "accounts/group_detail.html", context, status=status)


@admin_required
def group_candidates(request: MemberRequest, group_id: int) -> HttpResponse:
    """The "add members" picker, filtered by name or email (swapped in by htmx)."""
    group = _group_or_404(request, group_id)
    return render(request, "accounts/group_candidates.html", _candidates_context(request, group))


@require_POST
@admin_required
def group_add_members(request: MemberRequest, group_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    form = GroupAddMembersForm(request.POST, organization=request.organization)
    if not form.is_valid():
        errors = form.errors.get("members") or [_("Invalid selection.")]
        messages.error(request, " ".join(str(error) for error in errors))
        return redirect("group_detail", group_id=group.pk)
    try:
        added = services.group_add_members(
            group=group,
            actor=request.user,  # type: ignore[arg-type]
            memberships=form.cleaned_data["members"],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("group_detail", group_id=group.pk)
    messages.success(
        request,
        ngettext("%(count)d member added.", "%(count)d members added.", added) % {"count": added},
    )
    return redirect("group_detail", group_id=group.pk)


@require_POST
@admin_required
def group_remove_member(request: MemberRequest, group_id: int, member_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    membership = get_object_or_404(Membership, pk=member_id, organization=request.organization)
    try:
        services.group_remove_member(
            group=group,
            actor=request.user,  # type: ignore[arg-type]
            membership=membership,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("group_detail", group_id=group.pk)
    messages.success(
        request,
        _("%(name)s removed from %(group)s.")
        % {"name": membership.user.get_full_name(), "group": group.name},
    )
    return redirect("group_detail", group_id=group.pk)


@require_POST
@admin_required
def group_delete(request: MemberRequest, group_id: int) -> HttpResponse:
    group = _group_or_404(request, group_id)
    name = group.name
    try:
        services.group_delete(group=group, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("group_detail", group_id=group.pk)
    messages.success(request, _("Group %(name)s deleted.") % {"name": name})
    return redirect("groups")
