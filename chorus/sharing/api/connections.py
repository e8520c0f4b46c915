"""The connections API: a member's connected accounts.

A connection of another member is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from chorus.api.auth import api_roles, require_roles
from chorus.api.schema import Error, PathId
from chorus.sharing.models import NetworkConnection
from chorus.sharing.services.connections import connection_disconnect

router = Router(tags=["sharing"])


class ConnectionOut(Schema):
    id: int
    network: str
    instance: str
    handle: str
    display_name: str
    profile_url: str
    followers: int | None
    status: str
    expires_at: datetime | None
    connected_at: datetime


@router.get("/connections", response=list[ConnectionOut], summary="My connected accounts")
@api_roles()
def connection_list(request: HttpRequest) -> list[ConnectionOut]:
    caller = require_roles(request)
    return [
        ConnectionOut(
            id=connection.pk,
            network=connection.network,
            instance=connection.instance,
            handle=connection.handle,
            display_name=connection.display_name,
            profile_url=connection.profile_url,
            followers=connection.followers,
            status=connection.status,
            expires_at=connection.expires_at,
            connected_at=connection.connected_at,
        )
        for connection in NetworkConnection.objects.filter(membership=caller).order_by("network")
    ]


@router.delete(
    "/connections/{connection_id}",
    response={204: None, 404: Error},
    summary="Disconnect an account (its tokens are deleted)",
)
@api_roles()
def connection_delete(request: HttpRequest, connection_id: PathId) -> Status[None]:
    caller = require_roles(request)
    connection = get_object_or_404(NetworkConnection, pk=connection_id, membership=caller)
    connection_disconnect(connection=connection, actor=request.user)  # type: ignore[arg-type]
    return Status(204, None)
