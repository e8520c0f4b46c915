from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import User


class ProfileForm(forms.ModelForm[User]):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Chorus speaks your browser's language unless you choose one here."),
    )

    class Meta:
        model = User
        fields = ["name", "language"]
        labels = {"name": _("Your name")}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Each language by its own name, so that anyone can find theirs.
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("Your browser's language")),
            *settings.LANGUAGES,
        ]


class JoinProgramForm(forms.Form):
    terms_version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.BooleanField(
        label=_("I have read the program terms and want to take part"),
        error_messages={"required": _("Tick the box to confirm you want to take part.")},
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Token name"), help_text=_("e.g. 'Reporting script'")
    )


class PublicRankingForm(forms.Form):
    public_ranking = forms.BooleanField(
        required=False,
        label=_("Show me in public rankings"),
        help_text=_("Off: others see you only as “a member who chose not to be ranked”."),
    )
