"""The admin's survey forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Group, Organization
from chorus.surveys.models import REPEAT_CHOICES, Kind, Template


class SurveyCreateForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Start from"), choices=Template.choices, widget=forms.RadioSelect
    )


class SurveySettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    everyone = forms.BooleanField(label=_("Send to everyone"), required=False)
    groups = forms.ModelMultipleChoiceField(
        label=_("Or only to these groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_weeks = forms.TypedChoiceField(label=_("How often"), choices=REPEAT_CHOICES, coerce=int)
    open_days = forms.IntegerField(label=_("Days open for answers"), min_value=1, max_value=60)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = Group.objects.filter(organization=organization)  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=Kind.choices)
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = forms.CharField(
        label=_("Choices, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For one or several choices."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    attributed = forms.BooleanField(
        label=_("Not anonymous: answered by name"),
        required=False,
        help_text=_("Only for a stated purpose, shown to members next to the question."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        required=False,
        max_length=200,
        help_text=_("For example: So we can invite you to the pilot."),
    )
