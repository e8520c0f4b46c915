"""The form of the Teams page: it parses input; the services check the rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.core.validators import MAX_URL_LENGTH
from chorus.notifications.teams.models import WEBHOOK_CATEGORIES


class TeamsWebhookForm(forms.Form):
    name = forms.CharField(
        label=_("Channel"),
        max_length=120,
        help_text=_("As people know it in Teams, for example “Acme: Announcements”."),
    )
    url = forms.CharField(
        label=_("Webhook address"),
        max_length=MAX_URL_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}
        ),
        help_text=_(
            "The address the workflow gave you, starting with https://. It is stored "
            "encrypted and never shown again: anyone who has it can post in the channel."
        ),
    )
    categories = forms.MultipleChoiceField(
        label=_("Post here"),
        choices=[(category.value, category.label) for category in WEBHOOK_CATEGORIES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[category.value for category in WEBHOOK_CATEGORIES],
    )
    crisis_alerts = forms.BooleanField(
        label=_("Post crisis alerts here"),
        required=False,
        help_text=_(
            "For a private channel of the communications team: a crisis flagged in customer "
            "care is posted here at once, at any hour."
        ),
    )

    def __init__(self, *args: Any, host: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if host:
            # Editing: the stored address stays unless a new one is given.
            self.fields["url"].required = False
            self.fields["url"].label = _("New webhook address")
            self.fields["url"].help_text = _(
                "Leave empty to keep the stored address (on %(host)s). Give a new one when "
                "the workflow was made again; it is stored encrypted and never shown."
            ) % {"host": host}
