from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.privacy.models import RetentionSettings


class ErasureConfirmForm(forms.Form):
    email = forms.CharField(
        label=_("Type your email address to confirm"), max_length=254, strip=True
    )


class RetentionForm(forms.ModelForm[RetentionSettings]):
    class Meta:
        model = RetentionSettings
        fields = ["clicks_days", "audit_days", "deliveries_days"]
