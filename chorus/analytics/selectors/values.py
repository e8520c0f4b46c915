"""Earned media value: the organization's values per click, reaction, repost, reply and
CPM, and the formula that turns figures into money."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

from chorus.accounts.models import Organization
from chorus.analytics.models import (
    ValueSettings,
)

# -- earned media value ---------------------------------------------------------------

TIMES = "\u00d7"
DIVIDED = "\u00f7"
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def number(value: int | Decimal, *, decimals: int | None = None) -> str:
    """The number in the active language's format, thousands grouped ("1,450", "1.450")."""
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def money(amount: Decimal, currency: str) -> str:
    """The amount with its currency, as the active language writes it ("€0.50", "0,50 €")."""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    # Translators: an amount of money; put %(symbol)s where your language writes the currency.
    written = pgettext("money", "%(symbol)s%(amount)s") % {
        "symbol": symbol,
        "amount": number(amount.quantize(Decimal("0.01")), decimals=2),
    }
    return " ".join(written.split())


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
    terms = [
        f"{number(count)} {label} {TIMES} {money(value, currency)}" for count, label, value in parts
    ]
    if settings.cpm is not None:
        reach = int(totals.get("potential_reach") or 0)
        potential_reach = gettext("potential reach")
        amount += Decimal(reach) / 1000 * settings.cpm
        terms.append(
            f"{number(reach)} {potential_reach} {DIVIDED} {number(1000)} {TIMES} "
            f"{money(settings.cpm, currency)} CPM"
        )
    amount = amount.quantize(Decimal("0.01"))
    return EarnedMediaValue(
        amount=amount,
        currency=currency,
        formula=" + ".join(terms) + f" = {money(amount, currency)}",
    )
