"""Earned media value: the organization's values per click, reaction, repost, reply and
CPM, and the formula that turns figures into money."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from chorus.accounts.models import Organization
from chorus.analytics.models import (
    ValueSettings,
)

# -- earned media value ---------------------------------------------------------------

TIMES = "\u00d7"
DIVIDED = "\u00f7"
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def money(amount: Decimal, currency: str) -> str:
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{symbol}{amount.quantize(Decimal('0.01')):,}"


@dataclass(frozen=True)
class EarnedMediaValue:
    amount: Decimal
    currency: str
    formula: str

    @property
    def display(self) -> str:
        return money(self.amount, self.currency)


def value_settings(*, organization: Organization) -> ValueSettings:
    """The organization's values: defaults (every value zero, unsaved) until an admin
    sets them."""
    found = ValueSettings.objects.filter(organization=organization).first()
    return found or ValueSettings(organization=organization)


def earned_media_value(
    *, settings: ValueSettings, totals: Mapping[str, int | None]
) -> EarnedMediaValue:
    """clicks x per click + reactions x per reaction + reposts x per repost + replies x
    per reply (+ potential reach / 1000 x CPM when a CPM is set), with that formula."""
    currency = settings.currency
    parts: list[tuple[int, str, Decimal]] = [
        # Translators: terms of the earned media value's formula, "128 clicks x EUR 0.50 + ...".
        (int(totals.get("clicks") or 0), gettext("clicks"), settings.per_click),
        (int(totals.get("reactions") or 0), gettext("reactions"), settings.per_reaction),
        (int(totals.get("reposts") or 0), gettext("reposts"), settings.per_repost),
        (int(totals.get("replies") or 0), gettext("replies"), settings.per_reply),
    ]
    amount = sum((Decimal(count) * value for count, _, value in parts), Decimal("0"))
    terms = [f"{count:,} {label} {TIMES} {money(value, currency)}" for count, label, value in parts]
    if settings.cpm is not None:
        reach = int(totals.get("potential_reach") or 0)
        potential_reach = gettext("potential reach")
        amount += Decimal(reach) / 1000 * settings.cpm
        terms.append(
            f"{reach:,} {potential_reach} {DIVIDED} 1,000 {TIMES} "
            f"{money(settings.cpm, currency)} CPM"
        )
    amount = amount.quantize(Decimal("0.01"))
    return EarnedMediaValue(
        amount=amount,
        currency=currency,
        formula=" + ".join(terms) + f" = {money(amount, currency)}",
    )
