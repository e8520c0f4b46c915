"""The network settings API: the admin's settings of each network.

The admin's client secret is write-only: it is never returned.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from chorus.api.auth import api_roles, require_roles
from chorus.api.schema import Error, Input
from chorus.sharing.services.settings import network_settings_all, network_settings_update

router = Router(tags=["sharing"])


Channel = Literal[
    "linkedin", "x", "facebook", "threads", "mastodon", "bluesky", "xing", "whatsapp", "email"
]


class NetworkSettingsOut(Schema):
    network: str
    label: str
    can_publish: bool
    needs_app_credentials: bool
    sharing_enabled: bool
    publishing_enabled: bool
    client_id: str
    has_client_secret: bool = Field(description="The secret itself is never returned")
    daily_cap: int | None


class NetworkSettingsIn(Input):
    network: Channel
    sharing_enabled: bool
    publishing_enabled: bool
    client_id: str = Field("", max_length=300)
    client_secret: str | None = Field(
        None, max_length=2000, description="Write-only; leave out to keep the saved one"
    )
    daily_cap: int | None = Field(None, ge=1, le=100, description="Shares per member per day")


def _settings_out(request: HttpRequest) -> list[NetworkSettingsOut]:
    caller = require_roles(request)
    return [
        NetworkSettingsOut(
            network=row.network,
            label=row.label,
            can_publish=row.can_publish,
            needs_app_credentials=row.needs_app_credentials,
            sharing_enabled=row.settings.sharing_enabled,
            publishing_enabled=row.settings.publishing_enabled,
            client_id=row.settings.client_id,
            has_client_secret=bool(row.settings.client_secret),
            daily_cap=row.settings.daily_cap,
        )
        for row in network_settings_all(organization=caller.organization)
    ]


@router.get(
    "/network-settings",
    response=list[NetworkSettingsOut],
    summary="Every network's settings in the organization",
)
@api_roles("admin")
def network_settings_list(request: HttpRequest) -> list[NetworkSettingsOut]:
    return _settings_out(request)


@router.put(
    "/network-settings",
    response={200: NetworkSettingsOut, 422: Error},
    summary="Change one network's settings",
    description="Nothing is saved when a value is refused (422 says why).",
)
@api_roles("admin")
def network_settings_put(request: HttpRequest, payload: NetworkSettingsIn) -> NetworkSettingsOut:
    caller = require_roles(request)
    network_settings_update(
        organization=caller.organization,
        actor=request.user,  # type: ignore[arg-type]
        network=payload.network,
        sharing_enabled=payload.sharing_enabled,
        publishing_enabled=payload.publishing_enabled,
        client_id=payload.client_id,
        client_secret=payload.client_secret,
        daily_cap=payload.daily_cap,
    )
    (out,) = [row for row in _settings_out(request) if row.network == payload.network]
    return out
