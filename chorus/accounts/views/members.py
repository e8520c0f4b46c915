"""Admin pages for members: the searchable list and one member's roles, groups, status.

Program participation is shown read-only: only members themselves join or leave.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.forms_admin import MemberFilterForm, MemberGroupsForm, MemberRolesForm
from chorus.accounts.models import Membership
from chorus.accounts.selectors import audit as audit_selectors
from chorus.accounts.selectors import members as member_selectors
from chorus.accounts.services import members as services
from chorus.accounts.views.audit import audit_rows
from chorus.actions.members import member_set_active

MEMBERS_PER_PAGE = 50


def querystring_without_page(request: MemberRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@admin_required
def member_list(request: MemberRequest) -> HttpResponse:
    form = MemberFilterForm(request.GET or None, organization=request.organization)
    # Invalid filters (a stale group id, a forged role) are ignored, never a 500.
    filter_error = form.is_bound and not form.is_valid()
    members = member_selectors.member_list(organization=request.organization, **form.filters())
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filter_error": filter_error,
        "query": querystring_without_page(request),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "accounts/members_table.html", context)
    return render(request, "accounts/members.html", context)


def _member_or_404(request: MemberRequest, member_id: int) -> Membership:
    membership = member_selectors.member_get(organization=request.organization, member_id=member_id)
    if membership is None:
        raise Http404("No such member.")
    return membership


def _roles_form(membership: Membership, data: Any = None) -> MemberRolesForm:
    return MemberRolesForm(data, initial={"roles": membership.roles})


def _groups_form(membership: Membership, data: Any = None) -> MemberGroupsForm:
    return MemberGroupsForm(
        data,
        organization=membership.organization,
        initial=MemberGroupsForm.initial_for(membership),
    )


@admin_required
def member_detail(request: MemberRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    organization = request.organization
    return render(
        request,
        "accounts/member_detail.html",
        {
            "member": member,
            "roles_form": _roles_form(member),
            "groups_form": _groups_form(member),
            "consents": member_selectors.member_consents(
                organization=organization, membership=member
            ),
            "events": audit_rows(
                audit_selectors.audit_events_about_member(
                    organization=organization, membership=member
                )
            ),
        },
    )


def _section_response(
    request: MemberRequest,
    member: Membership,
    template: str,
    context: dict[str, Any],
    *,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    """htmx swaps only the section; a plain form post gets a message and a redirect."""
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, template, {"member": member, "notice": notice, "error": error, **context}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("member_detail", member_id=member.pk)


@require_POST
@admin_required
def member_update_roles(request: MemberRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    form = MemberRolesForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.membership_update_roles(
                membership=member,
                actor=request.user,  # type: ignore[arg-type]
                roles=form.cleaned_data["roles"],
            )
        except ValidationError as exc:
            error = exc.messages[0]
    else:
        error = _("Choose roles from the list.")
    member.refresh_from_db()
    return _section_response(
        request,
        member,
        "accounts/member_roles.html",
        {"roles_form": _roles_form(member)},
        notice="" if error else _("Roles saved."),
        error=error,
    )


@require_POST
@admin_required
def member_update_groups(request: MemberRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    form = MemberGroupsForm(request.POST, organization=request.organization)
    error = ""
    if form.is_valid():
        try:
            services.membership_update_groups(
                membership=member,
                actor=request.user,  # type: ignore[arg-type]
                groups=form.selected_groups(),
            )
        except ValidationError as exc:
            error = exc.messages[0]
    else:
        error = _("Choose groups from the list.")
    return _section_response(
        request,
        member,
        "accounts/member_groups.html",
        {"groups_form": _groups_form(member)},
        notice="" if error else _("Groups saved."),
        error=error,
    )


def _set_active(request: MemberRequest, member_id: int, *, active: bool) -> HttpResponse:
    member = _member_or_404(request, member_id)
    try:
        member_set_active(
            membership=member,
            actor=request.user,  # type: ignore[arg-type]
            active=active,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        name = member.user.get_full_name()
        text = _("%(name)s was reactivated.") if active else _("%(name)s was deactivated.")
        messages.success(request, text % {"name": name})
    return redirect("member_detail", member_id=member.pk)


@require_POST
@admin_required
def member_deactivate(request: MemberRequest, member_id: int) -> HttpResponse:
    return _set_active(request, member_id, active=False)


@require_POST
@admin_required
def member_reactivate(request: MemberRequest, member_id: int) -> HttpResponse:
    return _set_active(request, member_id, active=True)
