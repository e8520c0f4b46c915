"""Reading the inbox: its filters, one page of conversations (keyset pagination, a fixed
number of queries whatever the page holds), counts per status, a conversation and its
thread, saved views."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.query import QuerySet
from django.http import QueryDict
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.care.models import (
    CareAgent,
    CareTag,
    Conversation,
    ConversationStatus,
    Message,
    Origin,
    Priority,
    SavedView,
)
from chorus.care.models.inbox import OPEN_STATUSES, PRIORITY_RANK
from chorus.care.services.targets import care_settings_for

ORDERS = ("newest", "urgent")
ASSIGNEE_CHOICES = ("anyone", "mine", "unassigned")
# "open": every status that still needs someone; "all": every status.
STATUS_CHOICES = ("open", "all", *ConversationStatus.values)


@dataclass(frozen=True)
class InboxFilters:
    status: str = "open"
    priority: str = ""
    tag: int | None = None
    network: str = ""
    language: str = ""
    # "anyone", "mine", "unassigned" or a membership id.
    assignee: str = "anyone"
    # A source's id, or an origin ("webhook", "member", "manual").
    source: str = ""
    q: str = ""
    breaching: bool = False
    order: str = "newest"

    @classmethod
    def from_query(cls, query: QueryDict | dict[str, Any]) -> InboxFilters:
        """Filters from a query string; anything unknown falls back to its default."""

        def value(name: str) -> str:
            raw = query.get(name, "")
            # NUL never reaches the database (PostgreSQL refuses it in text).
            return str(raw).replace("\x00", "").strip() if raw is not None else ""

        def digits(text: str) -> bool:
            return _number(text) is not None

        status = value("status") or "open"
        priority = value("priority")
        tag = value("tag")
        assignee = value("assignee") or "anyone"
        if assignee not in ASSIGNEE_CHOICES and not digits(assignee):
            assignee = "anyone"
        order = value("order") or "newest"
        return cls(
            status=status if status in STATUS_CHOICES else "open",
            priority=priority if priority in Priority.values else "",
            tag=int(tag) if digits(tag) else None,
            network=value("network")[:20],
            language=value("language")[:10].lower(),
            assignee=assignee,
            source=value("source")[:20],
            q=value("q")[:200],
            breaching=value("breaching") in ("1", "on", "true"),
            order=order if order in ORDERS else "newest",
        )

    def query(self, **changes: Any) -> str:
        """The filters as a query string (defaults left out), with `changes` applied."""
        current = replace(self, **changes)
        defaults = InboxFilters()
        pairs = []
        for each in fields(self):
            given = getattr(current, each.name)
            if given == getattr(defaults, each.name) or given in (None, ""):
                continue
            pairs.append((each.name, "1" if given is True else str(given)))
        return urlencode(pairs)

    @property
    def is_default(self) -> bool:
        return self == InboxFilters()


@dataclass
class InboxRow:
    conversation: Conversation
    # The target that matters now (the first answer, then resolution) and the time left.
    due: datetime | None
    left: timedelta | None

    @property
    def overdue(self) -> bool:
        return self.left is not None and self.left.total_seconds() < 0


@dataclass
class InboxPage:
    rows: list[InboxRow]
    after: str | None  # the cursor of the next ("older") page, or None


_RANK = Case(
    *[When(priority=str(priority), then=Value(rank)) for priority, rank in PRIORITY_RANK.items()],
    default=Value(2),
    output_field=IntegerField(),
)


# COUNT(*) written as a plain expression: as a subquery's only column it counts the rows
# without the GROUP BY that Count() would add.
_COUNT_ALL = Func(template="COUNT(*)", output_field=IntegerField())


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _moment(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC)


# Ids are 64-bit in the database: anything larger, or not plain ASCII digits, names nothing.
MAX_ID = 2**62


def _number(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def conversations_filtered(
    *,
    organization: Organization,
    membership: Membership,
    filters: InboxFilters,
    with_status: bool = True,
) -> QuerySet[Conversation]:
    rows = Conversation.objects.filter(organization_id=organization.pk)
    if with_status:
        if filters.status == "open":
            rows = rows.filter(status__in=OPEN_STATUSES)
        elif filters.status != "all":
            rows = rows.filter(status=filters.status)
    if filters.priority:
        rows = rows.filter(priority=filters.priority)
    if filters.tag is not None:
        rows = rows.filter(
            Exists(
                Conversation.tags.through.objects.filter(
                    conversation_id=OuterRef("pk"), caretag_id=filters.tag
                )
            )
        )
    if filters.network:
        rows = rows.filter(network=filters.network)
    if filters.language:
        rows = rows.filter(
            Q(language=filters.language) | Q(language__startswith=f"{filters.language}-")
        )
    if filters.assignee == "mine":
        rows = rows.filter(assignee_id=membership.pk)
    elif filters.assignee == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    elif (assignee_id := _number(filters.assignee)) is not None:
        rows = rows.filter(assignee_id=assignee_id)
    if filters.source:
        if (source_id := _number(filters.source)) is not None:
            rows = rows.filter(source_id=source_id)
        elif filters.source in Origin.values:
            rows = rows.filter(origin=filters.source)
    if filters.q:
        words = filters.q
        rows = rows.filter(
            Q(subject__icontains=words)
            | Q(customer_handle__icontains=words)
            | Q(customer_name__icontains=words)
            | Exists(
                Message.objects.filter(
                    organization_id=organization.pk,
                    conversation_id=OuterRef("pk"),
                    text__icontains=words,
                )
            )
        )
    if filters.breaching:
        soon = timezone.now() + timedelta(
            minutes=care_settings_for(organization=organization).warn_minutes
        )
        rows = rows.filter(status__in=OPEN_STATUSES).filter(
            Q(first_response_at__isnull=True, first_response_due__lte=soon)
            | Q(resolution_due__lte=soon)
        )
    return rows


def _cursor(conversation: Conversation, order: str) -> str:
    moment = _micros(conversation.last_message_at)
    if order == "urgent":
        return f"{conversation.rank}.{moment}.{conversation.pk}"  # type: ignore[attr-defined]
    return f"{moment}.{conversation.pk}"


def _after(rows: QuerySet[Conversation], after: str, order: str) -> QuerySet[Conversation]:
    """Rows after the cursor (a bad cursor starts from the top)."""
    found = [_number(part) for part in after.split(".")]
    numbers = [number for number in found if number is not None]
    if len(numbers) != len(found):
        return rows
    try:
        _moment(numbers[1] if order == "urgent" and len(numbers) == 3 else numbers[0])
    except (OverflowError, OSError, ValueError):
        return rows
    if order == "urgent" and len(numbers) == 3:
        rank, moment, pk = numbers
        when = _moment(moment)
        return rows.filter(
            Q(rank__gt=rank)
            | Q(rank=rank, last_message_at__lt=when)
            | Q(rank=rank, last_message_at=when, pk__lt=pk)
        )
    if order == "newest" and len(numbers) == 2:
        moment, pk = numbers
        when = _moment(moment)
        return rows.filter(Q(last_message_at__lt=when) | Q(last_message_at=when, pk__lt=pk))
    return rows


def inbox_page(
    *,
    membership: Membership,
    filters: InboxFilters,
    after: str | None = None,
    limit: int = 50,
) -> InboxPage:
    """One page of the inbox: two queries (the rows with their assignee, their tags).

    Newest first follows the index on (organization, last message, id); urgent first
    orders by priority, then newest."""
    organization = membership.organization
    rows = conversations_filtered(organization=organization, membership=membership, filters=filters)
    if filters.order == "urgent":
        rows = rows.annotate(rank=_RANK).order_by("rank", "-last_message_at", "-pk")
    else:
        rows = rows.order_by("-last_message_at", "-pk")
    if after:
        rows = _after(rows, after, filters.order)
    rows = (
        rows.select_related("assignee__user")
        .only(
            "pk",
            "organization_id",
            "subject",
            "customer_handle",
            "customer_name",
            "customer_url",
            "network",
            "language",
            "status",
            "priority",
            "origin",
            "last_message_at",
            "opened_at",
            "first_response_at",
            "first_response_due",
            "resolution_due",
            "claimed_by_id",
            "claim_expires_at",
            "assignee__id",
            "assignee__user__id",
            "assignee__user__name",
            "assignee__user__email",
        )
        .prefetch_related(Prefetch("tags", queryset=CareTag.objects.only("pk", "name")))
    )
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    now = timezone.now()
    return InboxPage(
        rows=[_row(conversation, now) for conversation in found],
        after=_cursor(found[-1], filters.order) if more and found else None,
    )


def _row(conversation: Conversation, now: datetime) -> InboxRow:
    if conversation.status not in OPEN_STATUSES:
        return InboxRow(conversation, None, None)
    due = (
        conversation.first_response_due
        if conversation.first_response_at is None
        else conversation.resolution_due
    )
    return InboxRow(conversation, due, due - now if due is not None else None)


def inbox_counts(*, membership: Membership, filters: InboxFilters | None = None) -> dict[str, int]:
    """How many conversations hold each status (with the other filters applied), and
    "open" (those that still need someone)."""
    filters = filters or InboxFilters()
    rows = conversations_filtered(
        organization=membership.organization,
        membership=membership,
        filters=filters,
        with_status=False,
    )
    # One count per status, each over its own range of the (organization, status) index,
    # all in one query: SQLite counts six ranges twice as fast as it groups the whole
    # organization's rows by status (100,000 of them in a busy year).
    statuses = list(ConversationStatus.values)
    per_status = {
        f"status_{index}": Subquery(
            rows.filter(status=status).order_by().values(number=_COUNT_ALL),
            output_field=IntegerField(),
        )
        for index, status in enumerate(statuses)
    }
    found = (
        Organization.objects.filter(pk=membership.organization_id)
        .annotate(**per_status)
        .values_list(*per_status)
        .first()
    ) or (0,) * len(statuses)
    counts = {str(status): number or 0 for status, number in zip(statuses, found, strict=True)}
    counts["open"] = sum(counts[str(status)] for status in OPEN_STATUSES)
    return counts


def conversation_get(*, organization: Organization, conversation_id: int) -> Conversation:
    """The organization's conversation (Conversation.DoesNotExist for another's)."""
    return Conversation.objects.select_related(
        "assignee__user", "claimed_by__user", "source", "created_by__user", "organization"
    ).get(organization_id=organization.pk, pk=conversation_id)


def conversation_thread(*, conversation: Conversation) -> list[Message]:
    """The customer's messages, our replies and internal notes, in the order they came."""
    return list(
        Message.objects.filter(
            organization_id=conversation.organization_id, conversation_id=conversation.pk
        )
        .select_related("membership__user")
        .order_by("posted_at", "pk")
    )


def inbox_assignees(*, organization: Organization) -> list[tuple[int, str]]:
    """Whom the assignee filter offers, as (membership id, name): every member who opted in
    to customer care or once did (they may still hold conversations), those who answer now
    first. One query of ids and names: no loads, hours or clearance, as `care_team`
    reads for the team page."""
    rows = (
        CareAgent.objects.filter(organization_id=organization.pk)
        .order_by("-opted_in", "membership__user__name", "membership__user__email")
        .values_list("membership_id", "membership__user__name", "membership__user__email")
    )
    return [(membership_id, name or email) for membership_id, name, email in rows]


def care_tags(*, organization: Organization) -> list[CareTag]:
    return list(CareTag.objects.filter(organization_id=organization.pk).order_by("name"))


def saved_views(*, membership: Membership) -> list[SavedView]:
    return list(
        SavedView.objects.filter(organization_id=membership.organization_id, membership=membership)
    )


def saved_view_get(*, membership: Membership, saved_view_id: int) -> SavedView:
    """The member's own saved view (SavedView.DoesNotExist for anyone else's)."""
    return SavedView.objects.get(
        organization_id=membership.organization_id, membership=membership, pk=saved_view_id
    )
