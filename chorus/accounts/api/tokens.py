"""The tokens API: the caller's personal API tokens.

A token of another member is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import ApiToken
from chorus.accounts.services import tokens as services
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId

router = Router(tags=["accounts"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Shown this once; only a hash is kept.")


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=100)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@api_roles()
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership=calling_member(request)).order_by(
        "-created_at", "-id"
    )


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token")
@api_roles()
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    token, secret = services.api_token_create(membership=calling_member(request), name=payload.name)
    return Status(
        201,
        TokenCreatedOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            secret=secret,
        ),
    )


@router.delete(
    "/tokens/{token_id}", response={204: None, 404: Error}, summary="Revoke an API token"
)
@api_roles()
def token_revoke(request: HttpRequest, token_id: PathId) -> Status[None]:
    caller = calling_member(request)
    token = get_object_or_404(ApiToken, pk=token_id, membership=caller)
    services.api_token_revoke(token=token, actor=caller.user)
    return Status(204, None)
