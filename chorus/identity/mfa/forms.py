from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.identity.mfa.models import GRACE_DAYS_MAX


class MfaPolicyForm(forms.Form):
    required = forms.BooleanField(
        label=_("Require two-step sign-in for password users"), required=False
    )
    grace_days = forms.IntegerField(
        label=_("Grace period (days)"),
        min_value=0,
        max_value=GRACE_DAYS_MAX,
        help_text=_(
            "Counted from when you switch it on, or from a member's first visit after that."
        ),
    )
