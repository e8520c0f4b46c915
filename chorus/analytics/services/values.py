"""Analytics services: the organization's value settings (earned media value)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.analytics.models import ValueSettings
from chorus.core.audit import audit_record

# ISO 4217 currency codes in use (funds and metals left out).
CURRENCY_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
ZAR ZMW ZWG
"""
CURRENCIES = frozenset(CURRENCY_CODES.split())
VALUE_FIELDS = ("per_click", "per_reaction", "per_repost", "per_reply", "cpm")
MAX_VALUE = Decimal("99999999.99")  # max_digits=10, decimal_places=2


def _amount(name: str, value: Decimal | int | str | None, *, optional: bool) -> Decimal | None:
    if value is None or value == "":
        if optional:
            return None
        raise ValidationError({name: _("Enter an amount (0 for none).")})
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError({name: _("Enter a number.")}) from error
    if not amount.is_finite():
        raise ValidationError({name: _("Enter a number.")})
    if amount < 0:
        raise ValidationError({name: _("An amount cannot be negative.")})
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError({name: _("Use at most 2 decimal places.")})
    if amount > MAX_VALUE:
        raise ValidationError({name: _("This amount is too large.")})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def value_settings_update(
    *,
    organization: Organization,
    actor: User | None,
    currency: str,
    per_click: Decimal | int | str,
    per_reaction: Decimal | int | str,
    per_repost: Decimal | int | str,
    per_reply: Decimal | int | str,
    cpm: Decimal | int | str | None = None,
) -> ValueSettings:
    """Set what each click, reaction, repost and reply is worth (and an optional CPM)."""
    code = currency.strip().upper()
    if code not in CURRENCIES:
        raise ValidationError({"currency": _("Enter an ISO 4217 currency code, such as EUR.")})
    amounts = {
        "per_click": _amount("per_click", per_click, optional=False),
        "per_reaction": _amount("per_reaction", per_reaction, optional=False),
        "per_repost": _amount("per_repost", per_repost, optional=False),
        "per_reply": _amount("per_reply", per_reply, optional=False),
        "cpm": _amount("cpm", cpm, optional=True),
    }
    settings = ValueSettings.objects.select_for_update().filter(organization=organization).first()
    before = (
        {"currency": settings.currency, **{f: _text(getattr(settings, f)) for f in VALUE_FIELDS}}
        if settings
        else None
    )
    if settings is None:
        settings = ValueSettings(organization=organization)
    settings.currency = code
    for name, amount in amounts.items():
        setattr(settings, name, amount)
    settings.save()
    after = {"currency": code, **{f: _text(amounts[f]) for f in VALUE_FIELDS}}
    if before != after:
        audit_record(
            organization=organization,
            actor=actor,
            action="value_settings.updated",
            target=settings,
            target_label="Value settings",
            data={"before": before, "after": after},
        )
    return settings


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"
