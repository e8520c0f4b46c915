"""The organization's gamification settings: the switch and what each action earns.

A rule follows DEFAULT_RULES until an admin sets it to something else; setting it back
to the default removes the organization's own value, so it follows the defaults again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.gamification.models import DEFAULT_RULES, GamificationSettings, PointRule, Rule

MAX_RULE_VALUE = 10_000
# Every rule an admin sets (a reward's price is set on the reward itself).
CONFIGURABLE_RULES: list[Rule] = [rule for rule in Rule if rule != Rule.REWARD]


def _range_message() -> str:
    return gettext("Enter a whole number from 0 to %(max)s.") % {"max": f"{MAX_RULE_VALUE:,}"}


RANGE_MESSAGE = lazy(_range_message, str)()


@dataclass(frozen=True)
class RuleSetting:
    rule: str
    label: str
    points: int
    daily_cap: int
    default_points: int
    default_daily_cap: int

    @property
    def is_default(self) -> bool:
        return (self.points, self.daily_cap) == (self.default_points, self.default_daily_cap)


def rule_settings(*, organization: Organization) -> list[RuleSetting]:
    """Each configurable rule's points and daily cap (the organization's, or the default)."""
    own = {
        rule: (points, cap)
        for rule, points, cap in PointRule.objects.filter(organization=organization).values_list(
            "rule", "points", "daily_cap"
        )
    }
    settings = []
    for rule in CONFIGURABLE_RULES:
        default_points, default_cap = DEFAULT_RULES[rule]
        points, cap = own.get(rule, (default_points, default_cap))
        settings.append(
            RuleSetting(
                rule=rule.value,
                label=str(rule.label),
                points=points,
                daily_cap=cap,
                default_points=default_points,
                default_daily_cap=default_cap,
            )
        )
    return settings


def _whole_number(value: Any) -> int | None:
    """The value as an int when it is a whole number in range, else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_RULE_VALUE else None


def _snapshot(enabled: bool, rules: list[RuleSetting]) -> dict[str, Any]:
    return {
        "enabled": enabled,
        "rules": {s.rule: {"points": s.points, "daily_cap": s.daily_cap} for s in rules},
    }


def gamification_settings_update(
    *,
    organization: Organization,
    actor: User | None,
    enabled: bool,
    rules: Mapping[str, tuple[Any, Any]],
) -> GamificationSettings:
    """Turn points on or off and set (points, daily cap) per rule; rules not named keep
    their values. Raises ValidationError (keys "<rule>_points", "<rule>_daily_cap" or
    "rules") and saves nothing when a value is not a whole number from 0 to 10,000."""
    errors: dict[str, list[str]] = {}
    wanted: dict[str, tuple[int, int]] = {}
    configurable = {rule.value for rule in CONFIGURABLE_RULES}
    for rule, (points, cap) in rules.items():
        if rule not in configurable:
            errors.setdefault("rules", []).append(
                gettext("%(rule)s is not a rule; the rules are %(rules)s.")
                % {"rule": repr(rule), "rules": ", ".join(sorted(configurable))}
            )
            continue
        checked_points, checked_cap = _whole_number(points), _whole_number(cap)
        if checked_points is None:
            errors[f"{rule}_points"] = [
                gettext("%(rule)s: points: %(problem)s")
                % {"rule": Rule(rule).label, "problem": RANGE_MESSAGE}
            ]
        if checked_cap is None:
            errors[f"{rule}_daily_cap"] = [
                gettext("%(rule)s: daily cap: %(problem)s")
                % {"rule": Rule(rule).label, "problem": RANGE_MESSAGE}
            ]
        if checked_points is not None and checked_cap is not None:
            wanted[rule] = (checked_points, checked_cap)
    if not isinstance(enabled, bool):
        errors["enabled"] = [gettext("Say whether points are on: true or false.")]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Lock the organization's settings row: two admins saving at once take turns,
        # and each audit event's "before" is what the other one saved.
        GamificationSettings.objects.get_or_create(organization=organization)
        settings = GamificationSettings.objects.select_for_update().get(organization=organization)
        current = rule_settings(organization=organization)
        before = _snapshot(settings.enabled, current)
        for setting in current:
            if setting.rule not in wanted or wanted[setting.rule] == (
                setting.points,
                setting.daily_cap,
            ):
                continue
            points, cap = wanted[setting.rule]
            if (points, cap) == (setting.default_points, setting.default_daily_cap):
                PointRule.objects.filter(organization=organization, rule=setting.rule).delete()
            else:
                PointRule.objects.update_or_create(
                    organization=organization,
                    rule=setting.rule,
                    defaults={"points": points, "daily_cap": cap},
                )
        if settings.enabled != enabled:
            settings.enabled = enabled
            settings.save(update_fields=["enabled", "updated_at"])
        after = _snapshot(settings.enabled, rule_settings(organization=organization))
        if before != after:
            audit_record(
                organization=organization,
                actor=actor,
                action="gamification.settings_changed",
                target=settings,
                target_label="Gamification settings",
                data={"before": before, "after": after},
            )
    return settings
