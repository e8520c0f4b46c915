"""Forms of the care pages: they parse input; the services check the rules and write.

Each feature's forms sit in their own section (sources first); add yours at the end."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Organization
from chorus.care.models import CareTag, Priority, SourceKind
from chorus.care.services.sources import POLLED_KINDS
from chorus.networks.registry import CHANNEL_CHOICES

# Sources ----------------------------------------------------------------------------------


def _tags_field(organization: Organization, field: Any) -> None:
    field.queryset = CareTag.objects.filter(organization=organization)


class CareSourceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Listen to"),
        choices=[(kind.value, kind.label) for kind in SourceKind if kind in POLLED_KINDS],
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    instance = forms.CharField(
        label=_("Server"),
        max_length=300,
        required=False,
        help_text=_(
            "Mastodon: your official account's server, for example mastodon.social. "
            "Bluesky: leave empty for bsky.social, or enter your own server."
        ),
    )
    handle = forms.CharField(
        label=_("Official account"),
        max_length=300,
        required=False,
        help_text=_("Mastodon: @acme@mastodon.social. Bluesky: acme.com or acme.bsky.social."),
    )
    query = forms.CharField(
        label=_("Search for"),
        max_length=500,
        required=False,
        help_text=_("Searches only: words or hashtags, as you would type them on the network."),
    )
    secret = forms.CharField(
        label=_("Access token, app password or bearer token"),
        max_length=2000,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Mastodon: in Preferences > Development > New application of the official account, "
            "with the scopes read:notifications and read:search; copy “Your access token”. "
            "Bluesky: Settings > Privacy and security > App passwords. "
            "X: the bearer token of your app in the X developer portal. "
            "Stored encrypted and never shown again."
        ),
    )
    default_priority = forms.ChoiceField(
        label=_("Priority of its conversations"), choices=Priority.choices, initial=Priority.NORMAL
    )
    default_tags = forms.ModelMultipleChoiceField(
        label=_("Tags of its conversations"),
        queryset=CareTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Read it"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, editing: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _tags_field(organization, self.fields["default_tags"])
        if editing:
            self.fields["secret"].help_text = _("Leave empty to keep the stored one. %(help)s") % {
                "help": self.fields["secret"].help_text
            }


class CareSendForm(forms.Form):
    """Send to care: the link first; the text and author when Chorus cannot read them."""

    url = forms.CharField(
        label=_("Link to the customer's post"),
        max_length=2000,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )
    text = forms.CharField(
        label=_("What the customer wrote"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    author_handle = forms.CharField(
        label=_("Who wrote it"),
        required=False,
        max_length=300,
        help_text=_("Their handle or name on the network."),
    )
    note = forms.CharField(
        label=_("Note for the care team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what you know about it, why it matters."),
    )


def manual_network_choices() -> list[tuple[str, str]]:
    return [*CHANNEL_CHOICES, ("web", str(_("Elsewhere (web, phone, email)")))]


class CareManualForm(forms.Form):
    network = forms.ChoiceField(label=_("Where"), choices=manual_network_choices)
    customer_handle = forms.CharField(
        label=_("Customer"),
        max_length=300,
        help_text=_("Their handle, name or address."),
    )
    customer_name = forms.CharField(label=_("Customer's name"), max_length=300, required=False)
    url = forms.CharField(
        label=_("Link"),
        max_length=2000,
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(
        label=_("What the customer wrote"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=CareTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _tags_field(organization, self.fields["tags"])
