"""Forms of the gamification pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.gamification.services.settings import MAX_RULE_VALUE, RANGE_MESSAGE, RuleSetting


def _whole_number(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_RULE_VALUE,
        error_messages={
            "required": RANGE_MESSAGE,
            "invalid": RANGE_MESSAGE,
            "min_value": RANGE_MESSAGE,
            "max_value": RANGE_MESSAGE,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1, "min": 0}),
    )


class GamificationSettingsForm(forms.Form):
    """The switch, then each rule's points and daily cap ("<rule>_points", "<rule>_daily_cap")."""

    enabled = forms.BooleanField(
        label=gettext_lazy("Points, rankings and badges"),
        required=False,
        help_text=gettext_lazy(
            "Off: nobody earns points, and no points, ranks or badges are shown anywhere."
        ),
    )

    def __init__(self, *args: Any, rules: list[RuleSetting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        for setting in rules:
            self.fields[f"{setting.rule}_points"] = _whole_number(
                _("%(rule)s: points") % {"rule": setting.label}
            )
            self.fields[f"{setting.rule}_daily_cap"] = _whole_number(
                _("%(rule)s: daily cap") % {"rule": setting.label}
            )

    def rule_rows(self) -> list[tuple[RuleSetting, forms.BoundField, forms.BoundField]]:
        return [
            (setting, self[f"{setting.rule}_points"], self[f"{setting.rule}_daily_cap"])
            for setting in self.rules
        ]

    def rule_values(self) -> dict[str, tuple[int, int]]:
        data = self.cleaned_data
        return {
            setting.rule: (data[f"{setting.rule}_points"], data[f"{setting.rule}_daily_cap"])
            for setting in self.rules
        }
