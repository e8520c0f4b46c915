"""Breach warnings: before a conversation misses its target, the people who can still
save it are told, once.

A running conversation (not closed, not escalated) is warned when its next target falls
within the organization's `warn_minutes` (or has passed already): the first response
while none was given, then the resolution. `breach_warned_at` records the warning: a
conversation is warned once about its first response and once about its resolution (a
warning given before the first response does not count for the resolution).

Who is told:
- the **assignee**, when the conversation has one (they hold it; nobody else should jump in);
- **unassigned**, the care staff who work the inbox: approvers, curators and admins who
  opted in to care (`CareAgent.opted_in`). Staff who never opted in (a curator who only
  writes posts) are not woken every five minutes by the inbox; and if nobody opted in,
  the organization's admins are told, so a warning never goes nowhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization
from chorus.care.models import CareAgent, CareSettings, Conversation, ConversationStatus
from chorus.notifications.services.notifications import notification_create

KIND = "care.breach_warning"
FIRST_RESPONSE = gettext_lazy(
    "A customer on %(network)s (%(customer)s) waits for a first answer: the target is "
    "missed at %(due)s."
)
RESOLUTION = gettext_lazy(
    "A conversation with %(customer)s on %(network)s should be closed by %(due)s."
)
# How many conversations one run warns about at most per organization (the next run
# takes the rest).
BATCH = 500


def _url(conversation: Conversation) -> str:
    try:
        return reverse("care_conversation", args=[conversation.pk])
    except NoReverseMatch:
        return "/care/"


def conversations_to_warn(
    *, organization: Organization, warn_minutes: int, now: datetime
) -> list[Conversation]:
    """Running conversations due within the warning window and not warned about it yet."""
    soon = now + timedelta(minutes=warn_minutes)
    first_response = Q(
        first_response_at__isnull=True,
        first_response_due__lte=soon,
        breach_warned_at__isnull=True,
    )
    resolution = Q(first_response_at__isnull=False, resolution_due__lte=soon) & (
        Q(breach_warned_at__isnull=True) | Q(breach_warned_at__lt=F("first_response_at"))
    )
    return list(
        Conversation.objects.filter(first_response | resolution, organization=organization)
        .filter(resolved_at__isnull=True)
        .exclude(status__in=[ConversationStatus.CLOSED, ConversationStatus.ESCALATED])
        .select_related("assignee__user")
        .order_by("first_response_due", "pk")[:BATCH]
    )


def _server_zone() -> ZoneInfo:
    return ZoneInfo(timezone.get_default_timezone_name())


def _time_zones(members: list[Membership]) -> dict[int, ZoneInfo]:
    """Each member's time zone from their care profile (the deadline reads in it)."""
    zones = {}
    for membership_id, name in CareAgent.objects.filter(
        membership_id__in=[member.pk for member in members]
    ).values_list("membership_id", "timezone"):
        try:
            zones[membership_id] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return zones


def care_staff_to_warn(*, organization: Organization) -> list[Membership]:
    """Whom an unassigned conversation's warning goes to (see the module's docstring)."""
    staff = Membership.objects.filter(organization=organization, is_active=True).filter(
        Q(is_admin=True) | Q(is_curator=True) | Q(is_approver=True)
    )
    opted_in = list(staff.filter(care_agent__opted_in=True).select_related("user").order_by("pk"))
    if opted_in:
        return opted_in
    return list(staff.filter(is_admin=True).select_related("user").order_by("pk"))


def breach_warnings_send(*, organization: Organization, now: datetime | None = None) -> int:
    """Warn about the organization's conversations coming close to a target; returns how
    many conversations were warned about."""
    now = now or timezone.now()
    found = CareSettings.objects.filter(organization=organization).first()
    warn_minutes = found.warn_minutes if found else 15
    due = conversations_to_warn(organization=organization, warn_minutes=warn_minutes, now=now)
    if not due:
        return 0
    staff: list[Membership] | None = None
    warned: list[int] = []
    for conversation in due:
        if conversation.assignee is not None and conversation.assignee.is_active:
            recipients = [conversation.assignee]
        else:
            if staff is None:
                staff = care_staff_to_warn(organization=organization)
            recipients = staff
        about_first = conversation.first_response_at is None
        deadline = conversation.first_response_due if about_first else conversation.resolution_due
        zones = _time_zones(recipients)
        for membership in recipients:
            when = ""
            if deadline is not None:
                when = deadline.astimezone(zones.get(membership.pk, _server_zone())).strftime(
                    "%H:%M %Z"
                )
            notification_create(
                membership=membership,
                kind=KIND,
                message=FIRST_RESPONSE if about_first else RESOLUTION,
                params={
                    "network": conversation.network or "-",
                    "customer": conversation.customer_handle or conversation.subject or "?",
                    "due": when,
                },
                url=_url(conversation),
            )
        warned.append(conversation.pk)
    Conversation.objects.filter(pk__in=warned).update(breach_warned_at=now)
    return len(warned)


def breach_warnings_send_all(*, now: datetime | None = None) -> int:
    """Every organization with running conversations coming close to a target."""
    now = now or timezone.now()
    organizations = Organization.objects.filter(
        pk__in=Conversation.objects.filter(resolved_at__isnull=True)
        .filter(Q(first_response_due__isnull=False) | Q(resolution_due__isnull=False))
        .exclude(status__in=[ConversationStatus.CLOSED, ConversationStatus.ESCALATED])
        .values("organization_id")
    )
    return sum(
        breach_warnings_send(organization=organization, now=now) for organization in organizations
    )
