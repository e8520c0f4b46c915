"""Forms of the community pages: they parse input; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Group, Organization
from chorus.community.models import (
    MAX_BODY,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_NOTE,
    MAX_REASON,
    MAX_TITLE,
    ReportReason,
    SpaceKind,
    SpaceVisibility,
)
from chorus.community.services.spaces import SPACE_GROUP_KINDS
from chorus.content.models import Topic


class SpaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=MAX_NAME)
    description = forms.CharField(
        label=_("What the space is for"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SpaceKind.choices, widget=forms.RadioSelect)
    visibility = forms.ChoiceField(
        label=_("Who may read it"), choices=SpaceVisibility.choices, widget=forms.RadioSelect
    )
    group = forms.ModelChoiceField(
        label=_("For the region or cohort"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    topic = forms.ModelChoiceField(
        label=_("About the topic"),
        queryset=Topic.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["group"].queryset = Group.objects.filter(  # type: ignore[attr-defined]
            organization=organization, kind__in=SPACE_GROUP_KINDS
        )
        self.fields["topic"].queryset = Topic.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        )


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Markdown works: **bold**, *italics*, lists, links. Mention someone with @name."
        ),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class WinForm(ThreadForm):
    share = forms.TypedChoiceField(label=_("Your share"), coerce=int, choices=())
    body = forms.CharField(
        label=_("What do you think worked?"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "The time you posted, your own words, the people you tagged: what made the difference?"
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown works. Mention someone with @name."),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE, required=False)
    body = forms.CharField(
        label=_("Message"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 6})
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"), choices=ReportReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Anything to add (optional)"), max_length=MAX_NOTE, required=False
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why hide it? (members see only that a moderator hid it)"), max_length=MAX_REASON
    )
