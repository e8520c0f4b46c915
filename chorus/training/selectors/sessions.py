"""Reads for sessions: what trainers plan, what each member is invited to, who is going."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.training.models import RsvpState, SessionRsvp, TrainingSession
from chorus.training.selectors.learning import groups_target, member_group_ids


def session_ends_at(session: TrainingSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.minutes)


def session_started(session: TrainingSession, at: datetime | None = None) -> bool:
    return session.starts_at <= (at or timezone.now())


def session_targets(
    session: TrainingSession, membership: Membership, group_ids: set[int] | None = None
) -> bool:
    """Whether the session is meant for this member (its audience), cancelled or not."""
    if session.organization_id != membership.organization_id or not membership.is_active:
        return False
    if session.target_all:
        return True
    if group_ids is None:
        group_ids = member_group_ids(membership)
    return groups_target(session.target_groups.all(), group_ids)


def session_of_organization(
    *, organization: Organization, session_id: int
) -> TrainingSession | None:
    return (
        TrainingSession.objects.filter(organization=organization, pk=session_id)
        .select_related("series", "counts_toward", "host")
        .prefetch_related("target_groups")
        .first()
    )


def sessions_for_trainers(
    *, organization: Organization, upcoming: bool, now: datetime | None = None
) -> QuerySet[TrainingSession]:
    """Upcoming sessions (not yet ended), soonest first; or past ones, latest first."""
    moment = now or timezone.now()
    found = (
        TrainingSession.objects.filter(organization=organization)
        .select_related("series")
        .prefetch_related("target_groups")
    )
    # A session's end depends on its length: take a day's margin, then decide in Python.
    if upcoming:
        return found.filter(starts_at__gte=moment - timedelta(days=1)).order_by("starts_at", "id")
    return found.filter(starts_at__lt=moment).order_by("-starts_at", "-id")


def session_for_member(*, membership: Membership, session_id: int) -> TrainingSession | None:
    """The session if it is meant for the member or they answered it; trainers see any."""
    session = session_of_organization(organization=membership.organization, session_id=session_id)
    if session is None:
        return None
    if membership.has_role("trainer") or session_targets(session, membership):
        return session
    answered = SessionRsvp.objects.filter(
        organization=membership.organization, session=session, membership=membership
    ).exists()
    return session if answered else None


def sessions_upcoming_for_member(
    *, membership: Membership, now: datetime | None = None
) -> list[TrainingSession]:
    """Sessions meant for the member that have not ended, cancelled ones included (their
    page says so), soonest first."""
    moment = now or timezone.now()
    found = (
        TrainingSession.objects.filter(
            organization=membership.organization, starts_at__gte=moment - timedelta(days=1)
        )
        .select_related("series", "host")
        .prefetch_related("target_groups")
        .order_by("starts_at", "id")
    )
    group_ids = member_group_ids(membership)
    return [
        session
        for session in found
        if session_ends_at(session) > moment and session_targets(session, membership, group_ids)
    ]


def rsvps_of_member(
    *, membership: Membership, sessions: Iterable[TrainingSession]
) -> dict[int, SessionRsvp]:
    ids = [session.pk for session in sessions]
    found = SessionRsvp.objects.filter(
        organization=membership.organization, membership=membership, session_id__in=ids
    )
    return {rsvp.session_id: rsvp for rsvp in found}


def going_counts(*, sessions: Iterable[TrainingSession]) -> dict[int, int]:
    ids = [session.pk for session in sessions]
    going = SessionRsvp.objects.filter(session_id__in=ids, state=RsvpState.GOING).values_list(
        "session_id", flat=True
    )
    return dict(Counter(going))


def places_left(session: TrainingSession, going: int) -> int | None:
    """Free places, or None when the session has no limit."""
    if not session.capacity:
        return None
    return max(session.capacity - going, 0)


def waitlist(*, session: TrainingSession) -> QuerySet[SessionRsvp]:
    """The waiting list in order: who waited longest comes first."""
    return SessionRsvp.objects.filter(
        organization=session.organization_id, session=session, state=RsvpState.WAITLIST
    ).order_by("updated_at", "id")


def waitlist_position(*, rsvp: SessionRsvp) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if rsvp.state != RsvpState.WAITLIST:
        return None
    ids = list(waitlist(session=rsvp.session).values_list("pk", flat=True))
    return ids.index(rsvp.pk) + 1 if rsvp.pk in ids else None


def session_rsvps(*, session: TrainingSession) -> list[SessionRsvp]:
    """Everyone who answered: going first, then waiting (in order), then not going."""
    order: dict[str, int] = {RsvpState.GOING: 0, RsvpState.WAITLIST: 1, RsvpState.DECLINED: 2}
    found = (
        SessionRsvp.objects.filter(organization=session.organization_id, session=session)
        .select_related("membership__user")
        .order_by("updated_at", "id")
    )
    return sorted(found, key=lambda rsvp: order.get(rsvp.state, 3))


def sessions_going(
    *, membership: Membership, now: datetime | None = None, limit: int = 5
) -> list[TrainingSession]:
    """The next sessions the member is going to (not cancelled, not ended), soonest first."""
    moment = now or timezone.now()
    rsvps = (
        SessionRsvp.objects.filter(
            organization=membership.organization,
            membership=membership,
            state=RsvpState.GOING,
            session__cancelled_at__isnull=True,
            session__starts_at__gte=moment - timedelta(days=1),
        )
        .select_related("session")
        .order_by("session__starts_at", "session_id")
    )
    going: list[TrainingSession] = []
    for rsvp in rsvps.iterator(chunk_size=limit + 5):
        if session_ends_at(rsvp.session) > moment:
            going.append(rsvp.session)
            if len(going) == limit:
                break
    return going


def next_session_going(
    *, membership: Membership, now: datetime | None = None
) -> TrainingSession | None:
    """The next session the member is going to (not cancelled, not ended)."""
    going = sessions_going(membership=membership, now=now, limit=1)
    return going[0] if going else None
