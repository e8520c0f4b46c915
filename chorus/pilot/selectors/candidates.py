"""Who to suggest for the pilot, ranked, each with the reasons in words.

A member is suggested for what they did: they said they would like to take part (the
survey's attributed pilot question, or "I'd like to be in the pilot" on the program page),
they connected accounts (and how many followers those report), they did well in training
(quizzes passed, best score, certificates). Never suggested: inactive members, members
already in the pilot or with an invitation waiting, and members who declined an invitation
before, unless they volunteered after saying no.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chorus.accounts.models import Membership, Organization
from chorus.pilot.models import InvitationStatus, PilotInvitation, Volunteer
from chorus.pilot.selectors.pilot import pilot_member_ids, pilot_of
from chorus.sharing.models import ConnectionStatus, NetworkConnection
from chorus.surveys.selectors.volunteers import pilot_volunteers
from chorus.training.models import Certificate, QuizAttempt
from chorus.training.selectors.certification import certificate_valid_q

SUGGESTIONS = 30
# How much each reason weighs in the ranking: saying yes counts most.
VOLUNTEERED = 100
PER_ACCOUNT = 10
PER_QUIZ = 5
PER_CERTIFICATE = 15
GOOD_SCORE = 80


@dataclass
class Candidate:
    membership: Membership
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    volunteered_on: date | None = None


def _volunteered(organization: Organization) -> dict[int, datetime]:
    """Membership id -> when they last said yes: in the survey (the start of the day they
    answered; only the day is kept) or on the program page."""
    moments: dict[int, datetime] = {}
    zone = timezone.get_current_timezone()
    for membership_id, day in pilot_volunteers(organization=organization).items():
        moments[membership_id] = datetime.combine(day, time.min, tzinfo=zone)
    for membership_id, created_at in Volunteer.objects.filter(
        organization=organization
    ).values_list("membership_id", "created_at"):
        moments[membership_id] = max(created_at, moments.get(membership_id, created_at))
    return moments


def _excluded(organization: Organization, volunteered: dict[int, datetime]) -> set[int]:
    """In the pilot, asked already (pending), or said no (unless they volunteered since)."""
    excluded = pilot_member_ids(pilot=pilot_of(organization=organization))
    for membership_id, status, responded_at in PilotInvitation.objects.filter(
        organization=organization,
        status__in=[InvitationStatus.PENDING, InvitationStatus.DECLINED],
    ).values_list("membership_id", "status", "responded_at"):
        if status == InvitationStatus.PENDING:
            excluded.add(membership_id)
            continue
        said_yes = volunteered.get(membership_id)
        if said_yes is None or responded_at is None or said_yes <= responded_at:
            excluded.add(membership_id)
    return excluded


def pilot_candidates(
    *, organization: Organization, limit: int = SUGGESTIONS, q: str = ""
) -> list[Candidate]:
    """Suggested members, best first (ties by name). With `q`, any active member whose name
    or email matches, suggested or not, with whatever reasons they have."""
    volunteered = _volunteered(organization)
    excluded = _excluded(organization, volunteered)
    reasons: dict[int, Candidate] = {}

    def candidate(membership_id: int) -> Candidate:
        if membership_id not in reasons:
            reasons[membership_id] = Candidate(membership=Membership(pk=membership_id))
        return reasons[membership_id]

    for membership_id, moment in volunteered.items():
        found = candidate(membership_id)
        found.score += VOLUNTEERED
        found.volunteered_on = timezone.localdate(moment)
        found.reasons.append(_("Said they would like to take part"))

    accounts = (
        NetworkConnection.objects.filter(organization=organization, status=ConnectionStatus.ACTIVE)
        .values("membership_id")
        .annotate(count=Count("id"), followers=Sum("followers"))
    )
    for row in accounts:
        found = candidate(row["membership_id"])
        found.score += PER_ACCOUNT * row["count"]
        followers = row["followers"] or 0
        if followers:
            # A little more for a bigger audience, without letting it dominate.
            found.score += min(len(str(followers)) * 2, 12)
            found.reasons.append(
                ngettext(
                    "%(count)d connected account, %(followers)s followers",
                    "%(count)d connected accounts, %(followers)s followers",
                    row["count"],
                )
                % {"count": row["count"], "followers": followers}
            )
        else:
            found.reasons.append(
                ngettext(
                    "%(count)d connected account",
                    "%(count)d connected accounts",
                    row["count"],
                )
                % {"count": row["count"]}
            )

    quizzes = (
        QuizAttempt.objects.filter(organization=organization, submitted_at__isnull=False)
        .values("membership_id")
        .annotate(passed=Count("id", filter=Q(passed=True)), best=Max("score"))
        .filter(passed__gt=0)
    )
    for row in quizzes:
        found = candidate(row["membership_id"])
        found.score += PER_QUIZ * row["passed"] + (5 if (row["best"] or 0) >= GOOD_SCORE else 0)
        found.reasons.append(
            ngettext(
                "Passed %(count)d quiz (best score %(best)d%%)",
                "Passed %(count)d quizzes (best score %(best)d%%)",
                row["passed"],
            )
            % {"count": row["passed"], "best": row["best"] or 0}
        )

    certificates = (
        Certificate.objects.filter(organization=organization)
        .filter(certificate_valid_q())
        .values("membership_id")
        .annotate(count=Count("id"))
    )
    for row in certificates:
        found = candidate(row["membership_id"])
        found.score += PER_CERTIFICATE * row["count"]
        found.reasons.append(
            ngettext("Holds %(count)d certificate", "Holds %(count)d certificates", row["count"])
            % {"count": row["count"]}
        )

    members = Membership.objects.filter(organization=organization, is_active=True).exclude(
        pk__in=excluded
    )
    if q:
        members = members.filter(Q(user__name__icontains=q) | Q(user__email__icontains=q))
    else:
        members = members.filter(pk__in=list(reasons))
    by_id = {member.pk: member for member in members.select_related("user")}
    found_list = []
    for membership_id, member in by_id.items():
        entry = reasons.get(membership_id) or Candidate(membership=member)
        entry.membership = member
        found_list.append(entry)
    found_list.sort(
        key=lambda entry: (
            -entry.score,
            entry.membership.user.get_full_name().casefold(),
            entry.membership.pk,
        )
    )
    return found_list[:limit]
