from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.content.models import Network
from chorus.writing.services.settings import MAX_KEY, MAX_MODEL


class WritingSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Offer caption suggestions"), required=False)
    base_url = forms.CharField(
        label=_("Endpoint"),
        required=False,
        max_length=500,
        help_text=_("The base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1"),
        widget=forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url"}),
    )
    model = forms.CharField(label=_("Model"), required=False, max_length=MAX_MODEL)
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=MAX_KEY,
        help_text=_("Leave empty to keep the stored key. Stored encrypted; never shown again."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    remove_key = forms.BooleanField(label=_("Remove the stored key"), required=False)


class SuggestForm(forms.Form):
    network = forms.ChoiceField(choices=Network.choices)
    caption = forms.CharField(required=False, max_length=5000)
