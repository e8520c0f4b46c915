"""The delivery API (admins): the delivery log, its summary per channel, and a test message
on one channel to yourself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Input
from chorus.notifications.messages import Channel
from chorus.notifications.models import Delivery
from chorus.notifications.selectors import reach as selectors
from chorus.notifications.services.delivery import send_test

router = Router(tags=["notifications"])

# The values of Channel, DeliveryStatus and Category (a test keeps them equal).
ChannelName = Literal["in_app", "email", "slack", "teams", "push"]
DeliveryStatusName = Literal["queued", "sending", "sent", "failed", "skipped", "uncertain"]
CategoryName = Literal[
    "digest",
    "post_of_the_day",
    "announcement",
    "nudge",
    "shares",
    "accounts",
    "rewards",
    "learning",
    "care",
    "program",
    "new_post",
    "test",
    "own_data",
]


class DeliveryMemberOut(Schema):
    id: int = Field(description="The membership's id")
    name: str


class DeliveryOut(Schema):
    id: int
    created_at: datetime
    sent_at: datetime | None
    channel: str
    category: str
    status: str = Field(
        description=(
            "queued, sending, sent, failed, skipped (not sent: a preference, a cap, a stop) "
            "or uncertain (interrupted while sending: never sent again)"
        )
    )
    attempts: int
    subject: str
    error: str
    member: DeliveryMemberOut | None = Field(description="The member it is for, if any")
    destination: str = Field(description="Otherwise the organization's channel it went to")

    @staticmethod
    def resolve_member(obj: Delivery) -> DeliveryMemberOut | None:
        if obj.membership is None:
            return None
        return DeliveryMemberOut(id=obj.membership.pk, name=str(obj.membership.user))

    @staticmethod
    def resolve_destination(obj: Delivery) -> str:
        if obj.membership is not None:
            return ""
        return obj.destination_label or obj.destination


class DeliveryFilters(Input):
    channel: ChannelName | None = None
    status: DeliveryStatusName | None = None
    category: CategoryName | None = None


class DeliverySummaryQuery(Input):
    days: int = Field(7, ge=1, le=90, description="The last this many days")


class DeliveryChannelCounts(Schema):
    channel: str
    counts: dict[str, int] = Field(description="Deliveries per status, every status named")


class DeliverySummaryOut(Schema):
    since: datetime
    channels: list[DeliveryChannelCounts]


class ChannelTestOut(Schema):
    delivery_id: int
    channel: str
    status: str = Field(description="sent; queued: tried again shortly; otherwise not sent")
    error: str


@router.get(
    "/deliveries",
    response=list[DeliveryOut],
    summary="The delivery log",
    description="Admins: every message sent outside the app, or not sent, newest first.",
)
@api_roles("admin")
@paginate(Pagination)
def delivery_list(request: HttpRequest, filters: Query[DeliveryFilters]) -> QuerySet[Delivery]:
    return selectors.delivery_log(
        organization=calling_member(request).organization,
        channel=filters.channel or "",
        status=filters.status or "",
        category=filters.category or "",
    )


@router.get(
    "/deliveries/summary",
    response={200: DeliverySummaryOut, 422: Error},
    summary="Deliveries per channel and status",
    description="Admins: deliveries created in the last days (1 to 90).",
)
@api_roles("admin")
def delivery_summary(
    request: HttpRequest, query: Query[DeliverySummaryQuery]
) -> DeliverySummaryOut:
    since = timezone.now() - timedelta(days=query.days)
    summary = selectors.delivery_summary(
        organization=calling_member(request).organization, since=since
    )
    return DeliverySummaryOut(
        since=since,
        channels=[
            DeliveryChannelCounts(
                channel=channel,
                counts={status: counts.get(status, 0) for status in selectors.STATUS_ORDER},
            )
            for channel, counts in sorted(summary.items())
        ],
    )


@router.post(
    "/channels/{channel}/test",
    response={200: ChannelTestOut, 404: Error, 422: Error},
    summary="Send a test to yourself",
    description=(
        "Admins: sends a test message now on one channel (in_app, email, slack, push) to "
        "the caller, ignoring preferences, quiet hours and caps, and answers how it went. "
        "An unknown channel is a 404; one this deployment or the caller cannot be tested on "
        "is a 422."
    ),
)
@api_roles("admin")
def channel_test(request: HttpRequest, channel: str) -> ChannelTestOut:
    caller = calling_member(request)
    if channel not in Channel.values:
        raise HttpError(404, _("Choose a channel to test."))
    if channel not in selectors.member_channel_columns():
        raise ValidationError(_("Choose a channel to test."))
    delivery = send_test(organization=caller.organization, channel=channel, requested_by=caller)
    return ChannelTestOut(
        delivery_id=delivery.pk,
        channel=delivery.channel,
        status=delivery.status,
        error=delivery.error,
    )
