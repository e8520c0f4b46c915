from __future__ import annotations

from django import forms

from chorus.accounts.models import User


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["name"]
        labels = {"name": "Your name"}


class JoinProgramForm(forms.Form):
    terms_version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.BooleanField(
        label="I have read the program terms and want to take part",
        error_messages={"required": "Tick the box to confirm you want to take part."},
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name", help_text="e.g. 'Reporting script'")


class PublicRankingForm(forms.Form):
    public_ranking = forms.BooleanField(
        required=False,
        label="Show me in public rankings",
        help_text="Off: others see you only as “a member who chose not to be ranked”.",
    )
