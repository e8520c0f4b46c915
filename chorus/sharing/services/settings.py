"""An organization's settings per network: sharing, publishing with app credentials, caps."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.networks.registry import CHANNELS, adapter
from chorus.sharing.models import NetworkSettings

# Networks whose members connect without app credentials from the admin: Mastodon
# registers an app on each instance, Bluesky takes the member's app password.
NO_APP_CREDENTIALS = frozenset({"mastodon", "bluesky"})
MAX_DAILY_CAP = 100


@dataclass(frozen=True)
class NetworkRow:
    """One network as the admin's settings page and the API show it."""

    network: str
    label: str
    can_publish: bool
    needs_app_credentials: bool
    settings: NetworkSettings


def network_settings_for(*, organization: Organization, network: str) -> NetworkSettings:
    """The organization's settings for `network` (the defaults, unsaved, when never changed)."""
    if network not in CHANNELS:
        raise ValueError(f"Unknown network: {network}.")
    found = NetworkSettings.objects.filter(organization=organization, network=network).first()
    return found or NetworkSettings(organization=organization, network=network)


def network_settings_all(*, organization: Organization) -> list[NetworkRow]:
    """Every network, in the share dialog's order, with the organization's settings."""
    saved = {row.network: row for row in NetworkSettings.objects.filter(organization=organization)}
    rows = []
    for network in CHANNELS:
        found = adapter(network)
        rows.append(
            NetworkRow(
                network=network,
                label=found.label,
                can_publish=found.can_publish,
                needs_app_credentials=found.can_publish and network not in NO_APP_CREDENTIALS,
                settings=saved.get(network)
                or NetworkSettings(organization=organization, network=network),
            )
        )
    return rows


def publishing_enabled(*, organization: Organization, network: str) -> bool:
    found = network_settings_for(organization=organization, network=network)
    return found.sharing_enabled and found.publishing_enabled


def network_settings_update(
    *,
    organization: Organization,
    actor: User,
    network: str,
    sharing_enabled: bool,
    publishing_enabled: bool,
    client_id: str = "",
    client_secret: str | None = None,
    daily_cap: int | None = None,
) -> NetworkSettings:
    """Change one network's settings; nothing is saved when any value is refused.

    `client_secret` None (or empty) keeps the stored secret: it is write-only and never
    shown back, so a form that does not repeat it must not erase it.
    """
    if network not in CHANNELS:
        raise ValidationError(_("Unknown network: %(network)s.") % {"network": network})
    found = adapter(network)
    client_id = client_id.strip()
    new_secret = (client_secret or "").strip()
    errors: list[str] = []
    if publishing_enabled and not found.can_publish:
        errors.append(
            _("Chorus cannot publish to %(network)s; members use its share link.")
            % {"network": found.label}
        )
    if publishing_enabled and not sharing_enabled:
        errors.append(_("Publishing needs sharing on this network to be on."))
    if daily_cap is not None and not 1 <= daily_cap <= MAX_DAILY_CAP:
        errors.append(
            _("The daily cap must be between 1 and %(max)s, or empty.") % {"max": MAX_DAILY_CAP}
        )
    if len(client_id) > 300 or len(new_secret) > 2000:
        errors.append(_("The app credentials are too long."))
    if any(char.isspace() for char in client_id + new_secret):
        errors.append(_("App credentials contain no spaces."))
    with transaction.atomic():
        current = (
            NetworkSettings.objects.select_for_update()
            .filter(organization=organization, network=network)
            .first()
        ) or NetworkSettings(organization=organization, network=network)
        secret = new_secret or current.client_secret
        needs_credentials = found.can_publish and network not in NO_APP_CREDENTIALS
        if publishing_enabled and needs_credentials and not (client_id and secret):
            errors.append(
                _("Publishing to %(network)s needs the app's client id and secret.")
                % {"network": found.label}
            )
        if errors:
            raise ValidationError(errors)
        before = {
            "sharing_enabled": current.sharing_enabled,
            "publishing_enabled": current.publishing_enabled,
            "client_id": current.client_id,
            "daily_cap": current.daily_cap,
        }
        current.sharing_enabled = sharing_enabled
        current.publishing_enabled = publishing_enabled
        current.client_id = client_id
        current.client_secret = secret
        current.daily_cap = daily_cap
        current.save()
        after = {
            "sharing_enabled": sharing_enabled,
            "publishing_enabled": publishing_enabled,
            "client_id": client_id,
            "daily_cap": daily_cap,
        }
        audit_record(
            organization=organization,
            actor=actor,
            action="network_settings.updated",
            target=current,
            target_label=found.label,
            # The secret itself never goes into the log; only that it changed.
            data={
                "network": network,
                "before": before,
                "after": after,
                "secret_changed": bool(new_secret),
            },
        )
    return current
