"""Forms of the link pages: minting a post's link, and the organization's link settings.

Forms parse and validate; the writes happen in chorus.links.services.links (which validates the
settings again, so the API and the page refuse the same input).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from chorus.content.models import Network
from chorus.links.services.links import fallback_url_clean, short_domain_clean


class LinkMintForm(forms.Form):
    network = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("No particular network")), *Network.choices],
        label=gettext_lazy("Network"),
        help_text=gettext_lazy("Sets utm_source on the destination."),
    )


class LinkSettingsForm(forms.Form):
    short_domain = forms.CharField(
        required=False,
        max_length=253,
        label=gettext_lazy("Short domain"),
        help_text=gettext_lazy(
            "A host name of your own for short links, e.g. go.acme.com. Point its DNS at the "
            "Chorus servers first. Empty: links use this site's address."
        ),
        widget=forms.TextInput(attrs={"placeholder": "go.acme.com", "autocomplete": "off"}),
    )
    fallback_url = forms.CharField(
        required=False,
        max_length=2000,
        label=gettext_lazy("Fallback page"),
        help_text=gettext_lazy(
            "Where links of withdrawn (archived) posts lead, e.g. your newsroom. "
            "Empty: a 'no longer available' page."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://acme.com/news"}),
    )

    # The services' checks raise ValidationError, which a form shows under the field.
    def clean_short_domain(self) -> str:
        return short_domain_clean(self.cleaned_data["short_domain"])

    def clean_fallback_url(self) -> str:
        return fallback_url_clean(self.cleaned_data["fallback_url"])
