"""Invitations: admins invite people one by one or from a CSV file; invitees accept.

Admin pages live under /manage/invitations/; the link in the email (/invitations/<secret>/)
is public, since the person usually has no account yet.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from chorus.accounts import imports
from chorus.accounts.access import MemberRequest, admin_required, public
from chorus.accounts.middleware import SESSION_KEY
from chorus.accounts.models import (
    INVITATION_STATUSES,
    Group,
    GroupKind,
    Invitation,
    MemberImport,
    Role,
    User,
    role_names,
)
from chorus.accounts.selectors import invitations as selectors
from chorus.accounts.services import invitations as services
from chorus.core.tenancy import in_organization

INVITATIONS_PER_PAGE = 50
STATUSES = ["pending", "expired", "accepted", "revoked"]
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# Forms --------------------------------------------------------------------------------


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    title = forms.CharField(max_length=150, required=False, label=gettext_lazy("Job title"))
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Role.EMPLOYEE.value],
        required=False,
        label=gettext_lazy("Roles"),
        help_text=gettext_lazy("Nobody ticked means employee."),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Group.objects.none(), required=False
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"), queryset=Group.objects.none(), required=False
    )
    language = forms.ModelChoiceField(
        label=gettext_lazy("Language"), queryset=Group.objects.none(), required=False
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Other groups"),
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = Group.objects.filter(organization=organization).order_by("name")
        kinds = {
            "department": GroupKind.DEPARTMENT,
            "region": GroupKind.REGION,
            "language": GroupKind.LANGUAGE,
            "groups": GroupKind.CUSTOM,
        }
        for field, kind in kinds.items():
            self.fields[field].queryset = groups.filter(kind=kind)  # type: ignore[attr-defined]

    def chosen_groups(self) -> list[Group]:
        single = [self.cleaned_data[kind] for kind in ("department", "region", "language")]
        return [group for group in single if group] + list(self.cleaned_data["groups"])


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


class AcceptForm(forms.Form):
    """A new account for the invitee: the email is the invitation's."""

    name = forms.CharField(max_length=150, label=gettext_lazy("Your name"))
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(email=self.email, name=data.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


# Admin: list, invite one, resend, revoke -----------------------------------------------


@admin_required
def invitation_list(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    form = InvitationForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                invitation = services.invitation_create(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    title=form.cleaned_data["title"],
                    roles=form.cleaned_data["roles"],
                    groups=form.chosen_groups(),
                )
        except (ValidationError, IntegrityError) as error:
            # IntegrityError: the same address invited at the same moment by someone else.
            text = error.messages if isinstance(error, ValidationError) else [_("Already invited.")]
            form.add_error("email", text)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("invitations")
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    invitations = selectors.invitation_list(organization=organization, status=status)
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "status": status,
        "statuses": [(status, INVITATION_STATUSES[status]) for status in STATUSES],
        "status_label": INVITATION_STATUSES.get(status, ""),
        "upload_form": ImportUploadForm(),
        "imports": selectors.member_import_list(organization=organization)[:5],
    }
    return render(request, "accounts/invitations.html", context)


def _invitation_or_404(request: MemberRequest, invitation_id: int) -> Invitation:
    invitation = selectors.invitation_get(organization=request.organization, pk=invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def _row_response(
    request: MemberRequest, invitation: Invitation, *, notice: str = "", error: str = ""
) -> HttpResponse:
    """The updated table row for htmx, or back to the list with a message."""
    if request.htmx:  # type: ignore[attr-defined]
        context = {"invitation": invitation, "notice": notice, "error": error}
        return render(request, "accounts/invitation_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("invitations")


@require_POST
@admin_required
def invitation_resend(request: MemberRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_or_404(request, invitation_id)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        return _row_response(request, invitation, error=error.messages[0])
    return _row_response(
        request, invitation, notice=_("Sent again to %(email)s.") % {"email": invitation.email}
    )


@require_POST
@admin_required
def invitation_revoke(request: MemberRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_or_404(request, invitation_id)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        return _row_response(request, invitation, error=error.messages[0])
    return _row_response(
        request,
        invitation,
        notice=_("The link sent to %(email)s no longer works.") % {"email": invitation.email},
    )


# Admin: CSV import ---------------------------------------------------------------------


@admin_required
def import_upload(request: MemberRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # Refuse a huge file before reading it into memory.
            if upload.size > settings.MEMBER_IMPORT_MAX_BYTES:
                raise imports.ImportFileError(imports.too_large_message())
            member_import = imports.member_import_create(
                organization=request.organization,
                actor=request.user,  # type: ignore[arg-type]
                filename=upload.name or "",
                data=upload.read(),
            )
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("member_import", import_id=member_import.pk)
    status = 400 if form.errors else 200
    return render(request, "accounts/import_upload.html", {"form": form}, status=status)


def _import_or_404(request: MemberRequest, import_id: int) -> MemberImport:
    member_import = selectors.member_import_get(organization=request.organization, pk=import_id)
    if member_import is None:
        raise Http404("No such import.")
    return member_import


@admin_required
def import_preview(request: MemberRequest, import_id: int) -> HttpResponse:
    member_import = _import_or_404(request, import_id)
    only_problems = request.GET.get("show") == "problems"
    rows = member_import.bad_rows if only_problems else member_import.rows
    rows = [
        {
            **row,
            "role_names": role_names(row["roles"]),
            "group_names": [name for _kind, name in imports.row_groups(row)],
        }
        for row in rows
    ]
    new_groups = {}
    if member_import.confirmed_at is None:
        new_groups = imports.new_group_names(
            organization=request.organization, rows=member_import.rows
        )
    context = {
        "member_import": member_import,
        "rows": rows,
        "only_problems": only_problems,
        "valid_count": len(member_import.valid_rows),
        "bad_count": len(member_import.bad_rows),
        "new_groups": {GroupKind(kind).label: names for kind, names in new_groups.items()},
    }
    return render(request, "accounts/import_preview.html", context)


@require_POST
@admin_required
def import_confirm(request: MemberRequest, import_id: int) -> HttpResponse:
    member_import = _import_or_404(request, import_id)
    if member_import.confirmed_at is not None:
        messages.info(request, _("This file was already imported; nothing more was done."))
        return redirect("member_import", import_id=member_import.pk)
    try:
        member_import = imports.member_import_confirm(
            member_import=member_import,
            actor=request.user,  # type: ignore[arg-type]
        )
    except imports.ImportConfirmError as error:
        messages.error(
            request,
            _("%(error)s The preview below is up to date; check it and confirm again.")
            % {"error": error},
        )
        return redirect("member_import", import_id=member_import.pk)
    invited, skipped = member_import.invited_count, member_import.skipped_count
    text = ngettext(
        "%(count)d invitation is on its way.", "%(count)d invitations are on their way.", invited
    ) % {"count": invited}
    if skipped:
        text += " " + ngettext(
            "%(count)d row with problems was skipped.",
            "%(count)d rows with problems were skipped.",
            skipped,
        ) % {"count": skipped}
    messages.success(request, text)
    return redirect("invitations")


# Public: the link in the email ---------------------------------------------------------


def _gone(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    status = 404 if invitation is None else 410
    context = {"invitation": invitation, "status": invitation.status if invitation else "unknown"}
    return render(request, "accounts/invitation_invalid.html", context, status=status)


def _accepted(request: HttpRequest, invitation: Invitation, user: User) -> HttpResponse:
    """Accept, then put the new member in that organization and ask them to join the program."""
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except ValidationError:
        invitation.refresh_from_db()
        return _gone(request, invitation)
    request.session[SESSION_KEY] = invitation.organization_id
    messages.success(
        request, _("Welcome to %(organization)s!") % {"organization": invitation.organization.name}
    )
    return redirect("program")


@public
def invitation_accept(request: HttpRequest, secret: str) -> HttpResponse:
    invitation = services.invitation_by_secret(secret)
    if invitation is None or invitation.status != "pending":
        return _gone(request, invitation)
    # The rest happens in the inviting organization, whichever one the visitor is in now.
    with in_organization(invitation.organization_id):
        return _invitation_page(request, invitation)


def _invitation_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    context: dict[str, Any] = {"invitation": invitation, "organization": invitation.organization}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():  # type: ignore[union-attr]
            context["next"] = request.path
            return render(request, "accounts/invitation_other_user.html", context, status=403)
        if request.method == "POST":
            try:
                return _accepted(request, invitation, user)  # type: ignore[arg-type]
            except PermissionDenied:
                return render(request, "accounts/invitation_other_user.html", context, status=403)
        return render(request, "accounts/invitation_accept.html", context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        query = urlencode({"next": request.path})
        context["sign_in_url"] = f"{reverse('account_login')}?{query}"
        return render(request, "accounts/invitation_sign_in.html", context)
    return _sign_up(request, invitation, context)


def _sign_up(request: HttpRequest, invitation: Invitation, context: dict[str, Any]) -> HttpResponse:
    form = AcceptForm(
        request.POST or None, email=invitation.email, initial={"name": invitation.name}
    )
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    invitation.email,
                    form.cleaned_data["password1"],
                    name=form.cleaned_data["name"].strip(),
                )
                services.invitation_accept(invitation=invitation, user=user)
        except IntegrityError:
            # The account was created meanwhile (a double click): sign in instead.
            return redirect(request.path)
        except ValidationError:
            invitation.refresh_from_db()
            return _gone(request, invitation)
        login(request, user, backend=MODEL_BACKEND)
        request.session[SESSION_KEY] = invitation.organization_id
        messages.success(
            request,
            _("Welcome to %(organization)s!") % {"organization": invitation.organization.name},
        )
        return redirect("program")
    return render(request, "accounts/invitation_sign_up.html", context)
