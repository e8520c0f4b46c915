"""The links API for visitors: an admin counts a suspicious visitor as a bot."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from chorus.actions.clicks import visitor_reclassify_as_bot
from chorus.api.auth import api_roles, require_roles
from chorus.api.schema import Error, Input
from chorus.links.selectors import visitors as selectors_visitors
from chorus.links.services import visitors as services_visitors
from chorus.links.services.visitors import MAX_REASON

router = Router(tags=["links"])


class VisitorReclassifyIn(Input):
    reason: str = Field(
        "",
        max_length=MAX_REASON,
        description="Why (optional): kept in the audit log and in the clicks' bot name",
    )


class VisitorReclassifiedOut(Schema):
    visitor: str = Field(description="The visitor key's first 8 characters")
    reclassified: int = Field(
        description="Clicks now counted as bot previews (0: none was left to change)"
    )


@router.post(
    "/links/visitors/{visitor_key}/reclassify",
    response={200: VisitorReclassifiedOut, 404: Error, 422: Error},
    summary="Count a visitor as a bot",
    description=(
        "Turns the visitor's clicks by people into bot previews: the links' counts are "
        "corrected at once, the analytics within a minute, and the audit log records it. "
        "A visitor key (32 hex characters, on the Suspicious visitors page) lives one day; "
        "404 for a key with no click in the organization in the last 30 days."
    ),
)
@api_roles("admin")
def visitor_reclassify(
    request: HttpRequest, visitor_key: str, payload: VisitorReclassifyIn
) -> VisitorReclassifiedOut:
    caller = require_roles(request)
    if not selectors_visitors.is_visitor_key(visitor_key):
        raise Http404("Unknown visitor.")
    try:
        changed = visitor_reclassify_as_bot(
            organization=caller.organization,
            actor=caller.user,
            visitor_key=visitor_key,
            reason=payload.reason,
        )
    except services_visitors.UnknownVisitor as exc:
        raise Http404("Unknown visitor.") from exc
    return VisitorReclassifiedOut(
        visitor=visitor_key[: selectors_visitors.SHORT_KEY], reclassified=changed
    )
