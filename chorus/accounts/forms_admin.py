"""Forms of the admin pages: members, groups, audit log, organization settings.

Forms only parse and validate input; the writes happen in services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import (
    CREATABLE_GROUP_KINDS,
    Group,
    GroupKind,
    Membership,
    Organization,
    ProgramStatus,
    Role,
)
from chorus.core.audit import audit_action_label

ACTIVE_CHOICES = [
    ("", _("Active and deactivated")),
    ("active", _("Active")),
    ("inactive", _("Deactivated")),
]


def _org_groups(organization: Organization) -> Any:
    return Group.objects.filter(organization=organization).order_by("kind", "name")


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or email"), "autocomplete": "off"}
        ),
    )
    role = forms.ChoiceField(
        required=False, label=_("Role"), choices=[("", _("Any role")), *Role.choices]
    )
    group = forms.ModelChoiceField(
        required=False,
        queryset=Group.objects.none(),
        label=_("Group"),
        empty_label=_("Any group"),
    )
    program_status = forms.ChoiceField(
        required=False,
        label=_("Program"),
        choices=[("", _("Any program status")), *ProgramStatus.choices],
    )
    active = forms.ChoiceField(required=False, label=_("Status"), choices=ACTIVE_CHOICES)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = _org_groups(organization)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """Selector keyword arguments from the fields that validated (bad ones are ignored)."""
        data = getattr(self, "cleaned_data", {})
        group = data.get("group")
        active = data.get("active") or ""
        return {
            "q": data.get("q") or "",
            "role": data.get("role") or "",
            "group_id": group.pk if group is not None else None,
            "program_status": data.get("program_status") or "",
            "active": {"active": True, "inactive": False}.get(active),
        }


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Roles"),
    )


class MemberGroupsForm(forms.Form):
    """One set of checkboxes per group kind (department, region, language, custom)."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = list(_org_groups(organization))
        for kind, label in GroupKind.choices:
            choices = [group for group in groups if group.kind == kind]
            if not choices:
                continue
            self.fields[kind] = forms.ModelMultipleChoiceField(
                queryset=Group.objects.filter(pk__in=[group.pk for group in choices]),
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label=label,
            )

    @classmethod
    def initial_for(cls, membership: Membership) -> dict[str, list[int]]:
        initial: dict[str, list[int]] = {}
        for group in membership.groups.all():
            initial.setdefault(group.kind, []).append(group.pk)
        return initial

    def selected_groups(self) -> list[Group]:
        return [group for kind in self.fields for group in self.cleaned_data.get(kind, [])]


class GroupCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in CREATABLE_GROUP_KINDS],
        initial=GroupKind.DEPARTMENT,
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class GroupUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class GroupAddMembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one member to add.")},
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Membership.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).select_related("user")


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label=_("Action"))
    actor = forms.CharField(
        required=False,
        max_length=254,
        label=_("Who"),
        widget=forms.TextInput(attrs={"placeholder": _("Email contains")}),
    )
    target = forms.CharField(
        required=False,
        max_length=254,
        label=_("Whom"),
        widget=forms.TextInput(attrs={"placeholder": _("Name contains")}),
    )
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", gettext("Any action")),
            *sorted(((action, audit_action_label(action)) for action in actions), key=_by_label),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """Selector keyword arguments from the fields that validated (bad ones are ignored)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "action": data.get("action") or "",
            "actor": data.get("actor") or "",
            "target": data.get("target") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class OrganizationNameForm(forms.Form):
    name = forms.CharField(max_length=150, label=_("Organization name"))


class ProgramTermsForm(forms.Form):
    program_terms = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label=_("Advocacy program terms"),
        max_length=20000,
    )


class OrganizationLookForm(forms.Form):
    """The logo and the accent colour; the service checks both (Pillow, contrast)."""

    logo = forms.FileField(
        required=False,
        label=_("Logo"),
        help_text=_("PNG, JPEG or WebP, up to 5 MB; a transparent PNG looks best. Not SVG."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(required=False, label=_("Remove the logo"))
    accent_color = forms.CharField(
        required=False,
        max_length=20,
        label=_("Accent colour"),
        help_text=_(
            "For links and buttons, as #rrggbb (e.g. #1d4ed8). White text must stay readable "
            "on it. Leave empty for Chorus's own colour."
        ),
        widget=forms.TextInput(attrs={"placeholder": "#3b4bdb", "autocomplete": "off"}),
    )
