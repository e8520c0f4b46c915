"""Routing: new conversations go to the members who can answer them now.

An agent is eligible when they opted in, their membership is active and in the advocacy
program, they are cleared (the organization's CARE gates met; where it has none, an
admin's `CareAgent.cleared`), on duty, inside their working hours in their own time zone,
they speak the conversation's language (no languages: any) and share one of its product
tags (a conversation without tags, or an agent without tags: any), and hold fewer than
`max_open` open conversations. The least loaded wins, then the one who waited longest
since their last assignment.

Routing loads the agents, their tags and their loads once per call, decides in Python, then
writes one UPDATE per 400 conversations (a CASE names each one's assignee), one insert of
notifications (each agent told once, in their language) and one of audit rows, so routing
a poll's page or thousands of conversations stays the same handful of queries.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Q, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.care.models import CareAgent, Conversation, ConversationStatus, Priority
from chorus.care.models.inbox import OPEN_STATUSES, PRIORITY_RANK
from chorus.core.models import AuditEvent
from chorus.core.tenancy import in_organization
from chorus.notifications.services.notifications import (
    NotificationDraft,
    notifications_create_many,
)
from chorus.training.models import (
    Certificate,
    Gate,
    GateAction,
    PolicyAcknowledgement,
    PolicyVersion,
)

# SQLite's limit on variables in one statement is far above this; it keeps IN lists short.
CHUNK = 500
# Routing's UPDATE names each conversation twice (the WHERE and the CASE choosing its
# assignee): 2 x 400 stays under 999, the smallest limit SQLite has had.
ASSIGN_CHUNK = 400


def conversation_url(conversation_id: int) -> str:
    try:
        return reverse("care_conversation", args=[conversation_id])
    except NoReverseMatch:
        return f"/care/c/{conversation_id}/"


def inbox_url() -> str:
    try:
        return reverse("care_inbox")
    except NoReverseMatch:
        return "/care/"


# Who may answer ----------------------------------------------------------------------


def agent_zone(agent: CareAgent) -> ZoneInfo:
    try:
        return ZoneInfo(agent.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def agent_at_work(agent: CareAgent, now: datetime | None = None) -> bool:
    """Whether `now` falls on one of the agent's work days, inside their hours, where
    they live. Hours that end before they start run past midnight (22:00 to 06:00)."""
    local = (now or timezone.now()).astimezone(agent_zone(agent))
    days = agent.work_days or []
    start: time = agent.work_start
    end: time = agent.work_end
    moment = local.time()
    if start == end:
        # The whole day.
        return local.weekday() in days
    if start < end:
        return local.weekday() in days and start <= moment < end
    # Overnight: the evening belongs to today, the small hours to the day before.
    if moment >= start:
        return local.weekday() in days
    if moment < end:
        return (local.weekday() - 1) % 7 in days
    return False


def care_gates(organization_id: int) -> list[Gate]:
    return list(Gate.objects.filter(organization_id=organization_id, action=GateAction.CARE))


def memberships_cleared(
    *, organization_id: int, agents: Iterable[CareAgent], now: datetime | None = None
) -> set[int]:
    """The membership ids among the agents' who may answer customers: every CARE gate met
    (the same rules as training's `gate_check`, decided for all of them in three queries),
    or, when the organization has no CARE gate, the admin's clearance."""
    agents = list(agents)
    gates = care_gates(organization_id)
    if not gates:
        return {agent.membership_id for agent in agents if agent.cleared}
    now = now or timezone.now()
    membership_ids = [agent.membership_id for agent in agents]
    needed = {gate.certification_id for gate in gates if gate.certification_id is not None}
    held: dict[int, set[int]] = defaultdict(set)
    if needed:
        rows = (
            Certificate.objects.filter(
                organization_id=organization_id,
                membership_id__in=membership_ids,
                certification_id__in=needed,
                revoked_at__isnull=True,
                issued_at__lte=now,
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .values_list("membership_id", "certification_id")
        )
        for membership_id, certification_id in rows:
            held[membership_id].add(certification_id)
    acknowledged: set[int] | None = None
    if any(gate.requires_policy for gate in gates):
        latest = (
            PolicyVersion.objects.filter(organization_id=organization_id)
            .order_by("-number", "-published_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if latest is not None:
            acknowledged = set(
                PolicyAcknowledgement.objects.filter(
                    organization_id=organization_id,
                    membership_id__in=membership_ids,
                    version_id=latest,
                ).values_list("membership_id", flat=True)
            )
    cleared = set()
    for membership_id in membership_ids:
        if not needed <= held[membership_id]:
            continue
        if acknowledged is not None and membership_id not in acknowledged:
            continue
        cleared.add(membership_id)
    return cleared


def _eligible_agents(organization_id: int) -> list[CareAgent]:
    """Agents who opted in, with an active membership in the program (not yet checked:
    clearance, duty, hours)."""
    return list(
        CareAgent.objects.filter(
            organization_id=organization_id,
            opted_in=True,
            membership__is_active=True,
            membership__program_status=ProgramStatus.JOINED,
        ).select_related("membership__user")
    )


def _agent_tag_ids(agent_ids: list[int]) -> dict[int, set[int]]:
    """Each agent's product tags, as ids (no CareTag rows built)."""
    found: dict[int, set[int]] = defaultdict(set)
    rows = CareAgent.tags.through.objects.filter(careagent_id__in=agent_ids).values_list(
        "careagent_id", "caretag_id"
    )
    for agent_id, tag_id in rows:
        found[agent_id].add(tag_id)
    return found


def open_loads(*, organization_id: int, membership_ids: list[int]) -> dict[int, int]:
    """How many open conversations each member holds."""
    rows = (
        Conversation.objects.filter(
            organization_id=organization_id,
            assignee_id__in=membership_ids,
            status__in=OPEN_STATUSES,
        )
        .values("assignee_id")
        .annotate(open=Count("pk"))
        .values_list("assignee_id", "open")
    )
    return dict(rows)


@dataclass
class Candidate:
    agent: CareAgent
    languages: frozenset[str]
    tag_ids: frozenset[int]
    load: int
    # (last assignment, order assigned in this run): the smaller waited longer.
    waited: tuple[datetime, int]

    @property
    def membership_id(self) -> int:
        return self.agent.membership_id

    @property
    def full(self) -> bool:
        return self.load >= self.agent.max_open

    def speaks(self, language: str) -> bool:
        if not language or not self.languages:
            return True
        return language.lower().split("-")[0] in self.languages

    def takes(self, tag_ids: set[int]) -> bool:
        return not tag_ids or not self.tag_ids or bool(self.tag_ids & tag_ids)


def _language(code: str) -> str:
    return code.lower().split("-")[0].split("_")[0]


def routing_candidates(*, organization_id: int, now: datetime | None = None) -> list[Candidate]:
    """Every agent who may take a conversation right now, with their load."""
    now = now or timezone.now()
    agents = [
        agent
        for agent in _eligible_agents(organization_id)
        if agent.on_duty and agent_at_work(agent, now)
    ]
    if not agents:
        return []
    cleared = memberships_cleared(organization_id=organization_id, agents=agents, now=now)
    agents = [agent for agent in agents if agent.membership_id in cleared]
    if not agents:
        return []
    ids = [agent.membership_id for agent in agents]
    # The open load and the last assignment of each, in one pass over their conversations.
    loads: dict[int, int] = {}
    last: dict[int, datetime | None] = {}
    rows = (
        Conversation.objects.filter(organization_id=organization_id, assignee_id__in=ids)
        .values("assignee_id")
        .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)), last=Max("assigned_at"))
        .values_list("assignee_id", "open", "last")
    )
    for assignee_id, load, latest in rows:
        loads[assignee_id] = load
        last[assignee_id] = latest
    tag_ids = _agent_tag_ids([agent.pk for agent in agents])
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return [
        Candidate(
            agent=agent,
            languages=frozenset(_language(code) for code in agent.languages or [] if code),
            tag_ids=frozenset(tag_ids.get(agent.pk, ())),
            load=loads.get(agent.membership_id, 0),
            waited=(last.get(agent.membership_id) or never, 0),
        )
        for agent in agents
    ]


def candidate_pick(
    candidates: list[Candidate], *, language: str, tag_ids: set[int]
) -> Candidate | None:
    """The least loaded candidate who can take it, then the one who waited longest."""
    best: Candidate | None = None
    for candidate in candidates:
        if candidate.full or not candidate.speaks(language) or not candidate.takes(tag_ids):
            continue
        if best is None or (candidate.load, candidate.waited) < (best.load, best.waited):
            best = candidate
    return best


# Routing -----------------------------------------------------------------------------


@dataclass
class _Pending:
    pk: int
    language: str
    priority: str
    tag_ids: set[int] = field(default_factory=set)


def _pending(organization_id: int, conversation_ids: list[int] | None) -> list[_Pending]:
    unrouted = Q(
        organization_id=organization_id,
        status=ConversationStatus.NEW,
        assignee__isnull=True,
    )
    rows = Conversation.objects.filter(unrouted)
    if conversation_ids is not None:
        rows = rows.filter(pk__in=conversation_ids)
    pending = {
        pk: _Pending(pk, language, priority)
        for pk, language, priority in rows.order_by("opened_at", "pk").values_list(
            "pk", "language", "priority"
        )
    }
    if not pending:
        return []
    through = Conversation.tags.through.objects.all()
    if conversation_ids is not None:
        through = through.filter(conversation_id__in=list(pending))
    else:
        through = through.filter(
            conversation__organization_id=organization_id,
            conversation__status=ConversationStatus.NEW,
            conversation__assignee__isnull=True,
        )
    for conversation_id, tag_id in through.values_list("conversation_id", "caretag_id"):
        if conversation_id in pending:
            pending[conversation_id].tag_ids.add(tag_id)
    # Urgent first; within a priority, the one waiting longest.
    rank = {str(key): value for key, value in PRIORITY_RANK.items()}
    normal = rank[str(Priority.NORMAL)]
    return sorted(pending.values(), key=lambda item: rank.get(item.priority, normal))


def conversations_route(
    *, organization: Organization, conversation_ids: list[int] | None = None
) -> int:
    """Assign the given new, unassigned conversations (or all of them) to eligible agents;
    returns how many were assigned. Each agent is told once, and each assignment audited."""
    organization_id = organization.pk
    now = timezone.now()
    candidates = routing_candidates(organization_id=organization_id, now=now)
    if not candidates:
        return 0
    pending = _pending(organization_id, conversation_ids)
    chosen: dict[int, list[int]] = defaultdict(list)
    order = itertools.count(1)
    for item in pending:
        if all(candidate.full for candidate in candidates):
            break
        picked = candidate_pick(candidates, language=item.language, tag_ids=item.tag_ids)
        if picked is None:
            continue
        picked.load += 1
        picked.waited = (now, next(order))
        chosen[picked.membership_id].append(item.pk)
    if not chosen:
        return 0
    by_membership = {each.membership_id: each.agent.membership for each in candidates}
    with transaction.atomic():
        taken = _assign(organization_id, chosen, now)
        notifications_create_many(
            drafts=[
                _notice(by_membership[membership_id], ids) for membership_id, ids in taken.items()
            ]
        )
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    organization_id=organization_id,
                    actor=None,
                    actor_label="system",
                    action="care.routed",
                    target_type="conversation",
                    target_id=str(pk),
                    target_label=f"#{pk}",
                    data={"assignee": membership_id},
                )
                for membership_id, ids in taken.items()
                for pk in ids
            ],
            batch_size=CHUNK,
        )
    return sum(len(ids) for ids in taken.values())


def _assign(
    organization_id: int, chosen: dict[int, list[int]], now: datetime
) -> dict[int, list[int]]:
    """Write the choices (member id: conversation ids), one UPDATE per chunk of
    conversations whatever the number of agents, and return what each member got: only
    what is still new and unassigned, as a conversation someone took by hand meanwhile
    stays theirs. Runs inside the caller's transaction."""
    owner = {pk: membership_id for membership_id, ids in chosen.items() for pk in ids}
    ordered = list(owner)
    taken: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ordered), ASSIGN_CHUNK):
        chunk = ordered[start : start + ASSIGN_CHUNK]
        groups: dict[int, list[int]] = defaultdict(list)
        for pk in chunk:
            groups[owner[pk]].append(pk)
        updated = Conversation.objects.filter(
            organization_id=organization_id,
            pk__in=chunk,
            status=ConversationStatus.NEW,
            assignee__isnull=True,
        ).update(
            assignee_id=Case(
                *[When(pk__in=ids, then=Value(member)) for member, ids in groups.items()],
                output_field=IntegerField(),
            ),
            assigned_at=now,
            status=ConversationStatus.ASSIGNED,
            updated_at=now,
        )
        if updated == len(chunk):
            for membership_id, ids in groups.items():
                taken[membership_id].extend(ids)
            continue
        # Some were taken meanwhile: ours are those assigned now to whom we chose.
        ours = set(
            Conversation.objects.filter(
                organization_id=organization_id,
                pk__in=chunk,
                status=ConversationStatus.ASSIGNED,
                assigned_at=now,
            ).values_list("pk", "assignee_id")
        )
        for pk in chunk:
            if (pk, owner[pk]) in ours:
                taken[owner[pk]].append(pk)
    return taken


def _notice(membership: Membership, conversation_ids: list[int]) -> NotificationDraft:
    if len(conversation_ids) == 1:
        return NotificationDraft(
            membership=membership,
            kind="care_assigned",
            message=gettext_lazy("A customer conversation is waiting for your answer."),
            url=conversation_url(conversation_ids[0]),
        )
    return NotificationDraft(
        membership=membership,
        kind="care_assigned",
        message=gettext_lazy("%(count)s customer conversations are waiting for your answer."),
        params={"count": len(conversation_ids)},
        url=inbox_url() + "?assignee=mine",
    )


# Taking back -------------------------------------------------------------------------


def conversations_take_back(*, organization: Organization) -> int:
    """Conversations assigned to someone who can no longer answer them (off duty, opted
    out, left, no longer cleared) and not yet answered go back to NEW for routing again.
    A member holding a live claim keeps it until the claim ends."""
    organization_id = organization.pk
    now = timezone.now()
    rows = list(
        Conversation.objects.filter(
            organization_id=organization_id,
            status=ConversationStatus.ASSIGNED,
            assignee__isnull=False,
        )
        .exclude(claimed_by_id=F("assignee_id"), claim_expires_at__gt=now)
        .values_list("pk", "assignee_id")
    )
    if not rows:
        return 0
    assignee_ids = {assignee_id for _pk, assignee_id in rows}
    agents = list(
        CareAgent.objects.filter(
            organization_id=organization_id,
            membership_id__in=assignee_ids,
            opted_in=True,
            on_duty=True,
            membership__is_active=True,
            membership__program_status=ProgramStatus.JOINED,
        )
    )
    still_able = memberships_cleared(organization_id=organization_id, agents=agents, now=now)
    back = [pk for pk, assignee_id in rows if assignee_id not in still_able]
    if not back:
        return 0
    with transaction.atomic():
        for start in range(0, len(back), CHUNK):
            Conversation.objects.filter(
                organization_id=organization_id,
                pk__in=back[start : start + CHUNK],
                status=ConversationStatus.ASSIGNED,
            ).update(
                status=ConversationStatus.NEW,
                assignee=None,
                assigned_at=None,
                claimed_by=None,
                claim_expires_at=None,
                updated_at=now,
            )
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    organization_id=organization_id,
                    actor=None,
                    actor_label="system",
                    action="care.taken_back",
                    target_type="conversation",
                    target_id=str(pk),
                    target_label=f"#{pk}",
                    data={},
                )
                for pk in back
            ],
            batch_size=CHUNK,
        )
    return len(back)


def care_route_all() -> dict[str, int]:
    """Every minute (across organizations, the caller opens that scope): take back what
    an unavailable member holds, then route what is still new."""
    organization_ids = set(
        Conversation.objects.filter(
            Q(status=ConversationStatus.NEW, assignee__isnull=True)
            | Q(status=ConversationStatus.ASSIGNED)
        )
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    )
    totals = {"taken_back": 0, "routed": 0}
    for organization in Organization.objects.filter(pk__in=organization_ids):
        with in_organization(organization):
            totals["taken_back"] += conversations_take_back(organization=organization)
            totals["routed"] += conversations_route(organization=organization)
    return totals
