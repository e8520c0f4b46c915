"""Value settings: what each kind of engagement is worth, set by admins only, audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chorus.analytics.models import ValueSettings
from chorus.analytics.selectors.values import value_settings
from chorus.analytics.services.values import value_settings_update
from chorus.core.models import AuditEvent

VALID = {
    "currency": "usd",
    "per_click": "0.50",
    "per_reaction": "0.1",
    "per_repost": "1",
    "per_reply": "0.75",
    "cpm": "",
}


def update(organization: Any, **changes: Any) -> ValueSettings:
    return value_settings_update(organization=organization, actor=None, **{**VALID, **changes})


def test_defaults_are_zero_in_euros_until_set(organization: Any) -> None:
    settings = value_settings(organization=organization)
    assert settings.pk is None
    assert (settings.currency, settings.per_click, settings.cpm) == ("EUR", Decimal("0.00"), None)


def test_update_stores_amounts_to_the_cent_and_the_currency_code(organization: Any) -> None:
    settings = update(organization)
    settings.refresh_from_db()
    assert (
        settings.currency,
        settings.per_click,
        settings.per_reaction,
        settings.per_repost,
        settings.per_reply,
        settings.cpm,
    ) == ("USD", Decimal("0.50"), Decimal("0.10"), Decimal("1.00"), Decimal("0.75"), None)
    assert update(organization, cpm="4.25").cpm == Decimal("4.25")
    assert ValueSettings.objects.filter(organization=organization).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("per_click", "-0.01", "negative"),
        ("per_reaction", "0.125", "2 decimal"),
        ("per_repost", "abc", "number"),
        ("per_reply", "NaN", "number"),
        ("cpm", "-5", "negative"),
        ("per_click", "", "Enter an amount"),
        ("currency", "EURO", "ISO 4217"),
        ("currency", "XYZ", "ISO 4217"),
    ],
)
def test_update_refuses_invalid_values(
    organization: Any, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        update(organization, **{field: value})
    assert message in str(error.value.message_dict[field])
    assert not ValueSettings.objects.exists()


def test_update_is_audited_with_before_and_after_only_when_something_changed(
    organization: Any, admin_member: Any
) -> None:
    value_settings_update(organization=organization, actor=admin_member.user, **VALID)
    value_settings_update(organization=organization, actor=admin_member.user, **VALID)
    update(organization, per_click="0.60")
    events = list(AuditEvent.objects.filter(action="value_settings.updated").order_by("id"))
    assert len(events) == 2
    assert events[0].actor == admin_member.user
    assert events[0].data["before"] is None
    assert events[1].data["before"]["per_click"] == "0.50"
    assert events[1].data["after"]["per_click"] == "0.60"


def test_admin_saves_the_value_settings_page(admin_client: Any, organization: Any) -> None:
    page = admin_client.get(reverse("value_settings"))
    assert page.status_code == 200
    assert "clicks \u00d7 value of a click" in page.content.decode()
    response = admin_client.post(reverse("value_settings"), {**VALID, "cpm": "3"})
    assert response.status_code == 302
    assert value_settings(organization=organization).cpm == Decimal("3.00")


def test_page_shows_the_errors_and_saves_nothing(admin_client: Any, organization: Any) -> None:
    response = admin_client.post(reverse("value_settings"), {**VALID, "currency": "ABC"})
    assert response.status_code == 200
    assert "ISO 4217" in response.content.decode()
    assert not ValueSettings.objects.exists()


def test_employees_cannot_open_or_post_the_value_settings(employee_client: Any) -> None:
    assert employee_client.get(reverse("value_settings")).status_code == 403
    assert employee_client.post(reverse("value_settings"), VALID).status_code == 403
    assert not ValueSettings.objects.exists()


def test_organization_settings_link_to_the_value_settings(admin_client: Any) -> None:
    page = admin_client.get(reverse("organization_settings")).content.decode()
    assert reverse("value_settings") in page
