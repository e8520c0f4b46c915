"""The suggestions API: members suggest links; curators accept (a draft post) or decline.

Every lookup by id goes through the caller's organization, so a foreign id is 404.
Writes go through chorus.content.services, like the pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params import Query

from chorus.actions import suggestions as suggestion_actions
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Input, PathId
from chorus.content.models import Suggestion, SuggestionStatus
from chorus.content.services import suggestions as suggestion_services
from chorus.core.validators import WebURL

router = Router(tags=["suggestions"])

StatusName = Literal["pending", "accepted", "declined"]


class MySuggestionOut(Schema):
    """What the member sees of their own suggestion (nothing of the curators' work)."""

    id: int
    url: str
    reason: str
    status: str
    decline_reason: str
    created_at: datetime
    decided_at: datetime | None


class SuggestionOut(MySuggestionOut):
    member_id: int
    member_name: str
    post_id: int | None
    decided_by_email: str | None

    @staticmethod
    def resolve_member_id(obj: Suggestion) -> int:
        return obj.membership_id

    @staticmethod
    def resolve_member_name(obj: Suggestion) -> str:
        return obj.membership.user.get_full_name()

    @staticmethod
    def resolve_decided_by_email(obj: Suggestion) -> str | None:
        return obj.decided_by.email if obj.decided_by else None


class SuggestionIn(Input):
    url: WebURL
    reason: str = Field(
        min_length=1,
        max_length=suggestion_services.SUGGESTION_REASON_MAX_LENGTH,
        description="Why it matters",
    )


class SuggestionFilters(Input):
    status: StatusName | None = None


class DeclineIn(Input):
    reason: str = Field(
        min_length=1,
        max_length=suggestion_services.SUGGESTION_DECLINE_MAX_LENGTH,
        description="Why not: the member reads it",
    )


class AcceptIn(Input):
    title: str = Field("", max_length=200, description="The draft post's title (optional)")


def _suggestion(request: HttpRequest, suggestion_id: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related("organization", "membership__user", "decided_by"),
        pk=suggestion_id,
        organization=calling_member(request).organization,
    )


def _undecided(suggestion: Suggestion) -> Suggestion:
    if suggestion.status != SuggestionStatus.PENDING:
        raise HttpError(409, _("This suggestion was already decided."))
    return suggestion


@router.get("/suggestions/mine", response=list[MySuggestionOut], summary="My suggestions")
@api_roles()
@paginate(Pagination)
def my_suggestion_list(request: HttpRequest) -> QuerySet[Suggestion]:
    caller = calling_member(request)
    return Suggestion.objects.filter(organization=caller.organization, membership=caller).order_by(
        "-created_at", "-id"
    )


@router.post(
    "/suggestions",
    response={201: MySuggestionOut, 403: Error, 422: Error},
    summary="Suggest a link (members taking part in the program)",
)
@api_roles()
def suggestion_create(request: HttpRequest, payload: SuggestionIn) -> Status[Suggestion]:
    # A member who left (or never joined) the program gets a 403 with the reason.
    suggestion = suggestion_services.suggestion_create(
        membership=calling_member(request), url=payload.url, reason=payload.reason
    )
    return Status(201, suggestion)


@router.get("/suggestions", response=list[SuggestionOut], summary="Members' suggestions")
@api_roles("curator")
@paginate(Pagination)
def suggestion_list(
    request: HttpRequest, filters: Query[SuggestionFilters]
) -> QuerySet[Suggestion]:
    suggestions = Suggestion.objects.filter(organization=calling_member(request).organization)
    if filters.status:
        suggestions = suggestions.filter(status=filters.status)
    pending_first = Case(
        When(status=SuggestionStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return suggestions.select_related("membership__user", "decided_by").order_by(
        pending_first, "-created_at", "-id"
    )


@router.post(
    "/suggestions/{suggestion_id}/accept",
    response={200: SuggestionOut, 404: Error, 409: Error, 422: Error},
    summary="Accept a suggestion: a draft post credited to the member",
)
@api_roles("curator")
def suggestion_accept(
    request: HttpRequest, suggestion_id: PathId, payload: AcceptIn | None = None
) -> Suggestion:
    suggestion = _undecided(_suggestion(request, suggestion_id))
    suggestion_actions.suggestion_accept(
        suggestion=suggestion,
        actor=calling_member(request).user,
        title=payload.title if payload else "",
    )
    return _suggestion(request, suggestion_id)


@router.post(
    "/suggestions/{suggestion_id}/decline",
    response={200: SuggestionOut, 404: Error, 409: Error, 422: Error},
    summary="Decline a suggestion, saying why",
)
@api_roles("curator")
def suggestion_decline(
    request: HttpRequest, suggestion_id: PathId, payload: DeclineIn
) -> Suggestion:
    suggestion = _undecided(_suggestion(request, suggestion_id))
    suggestion_services.suggestion_decline(
        suggestion=suggestion, actor=calling_member(request).user, reason=payload.reason
    )
    return _suggestion(request, suggestion_id)
