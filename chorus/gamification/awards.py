"""Turning what happened into points (the periodic task, every minute).

Read since the watermarks (analytics' RollupState, sources "points:..."): shares that
became SHARED (by their last change), new clicks (by id), new engagement snapshots (by
id), courses completed and certificates earned (by id), and replies to customers
published (by their last change). Only what a person did
counts: a click earns when it is a person's (not a bot preview, HEAD or prefetch), not
the member's own, and the visitor's first on that link (not a repeat). A share undone
within the hour of being shared gets its award reversed; a click later reclassified as a
bot gets a reversal from chorus.actions.clicks. Awarding is idempotent (one award per
source and rule), so reading a row twice earns nothing more, and a daily recheck reads
the last two days of clicks again (ids committed out of order on PostgreSQL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.analytics.models import RollupState
from chorus.analytics.rollups import watermark
from chorus.care.models import CareReply, ReplyStatus
from chorus.gamification.models import Rule, Source
from chorus.gamification.services.badges import badges_check
from chorus.gamification.services.points import points_award, points_reverse_sources
from chorus.links.models import Click, ClickKind
from chorus.sharing.models import Share, ShareMetrics, ShareStatus
from chorus.training.models import Certificate, CourseCompletion

UNDO_WINDOW = timedelta(hours=1)
SHARES_OVERLAP = timedelta(minutes=2)  # updated_at is set before the commit
BATCH = 5000


def _state(name: str) -> RollupState:
    return watermark(f"points:{name}")


def _members(ids: set[int]) -> dict[int, Membership]:
    return {m.pk: m for m in Membership.objects.filter(pk__in=ids)}


def award_shares(*, seen: set[int] | None = None) -> dict[str, int]:
    """Shares shared since the last look earn; shares undone within the hour lose it.
    `seen` gathers the ids of the members whose shares were read as shared."""
    awarded = reversed_count = 0
    with transaction.atomic():
        state = _state("shares")
        now = timezone.now()
        changed = Share.objects.filter(updated_at__lte=now)
        if state.last_at is not None:
            changed = changed.filter(updated_at__gt=state.last_at - SHARES_OVERLAP)
        rows = list(
            changed.filter(status__in=(ShareStatus.SHARED, ShareStatus.UNDONE))
            .exclude(shared_at=None)
            .values_list("pk", "membership_id", "status", "shared_at", "updated_at")
        )
        state.last_at = now
        state.save(update_fields=["last_at", "updated_at"])
    members = _members({row[1] for row in rows})
    undone_quickly = []
    for pk, membership_id, status, shared_at, updated_at in rows:
        if status == ShareStatus.SHARED:
            entry = points_award(
                membership=members[membership_id],
                rule=Rule.SHARE,
                source=Source.SHARE,
                source_id=pk,
                moment=shared_at,
            )
            awarded += entry is not None
            if seen is not None:
                seen.add(membership_id)
        elif shared_at is not None and updated_at - shared_at <= UNDO_WINDOW:
            undone_quickly.append(pk)
    if undone_quickly:
        reversed_count = points_reverse_sources(
            source=Source.SHARE, source_ids=undone_quickly, note="Undone within the hour"
        )
    return {"shares": awarded, "undone": reversed_count}


def _award_clicks(clicks: Any, seen: set[int] | None = None) -> int:
    """Award each person's first click on a member's link (not their own)."""
    rows = list(
        clicks.filter(
            kind=ClickKind.CLICK,
            is_self=False,
            is_unique=True,
            link__membership__isnull=False,
        ).values_list("pk", "link__membership_id", "created_at")
    )
    members = _members({row[1] for row in rows})
    awarded = 0
    for pk, membership_id, created_at in rows:
        entry = points_award(
            membership=members[membership_id],
            rule=Rule.CLICK,
            source=Source.CLICK,
            source_id=pk,
            moment=created_at,
        )
        awarded += entry is not None
        if seen is not None:  # capped or not: a new visitor may complete a clicks badge
            seen.add(membership_id)
    return awarded


def award_clicks(*, limit: int = BATCH * 10, seen: set[int] | None = None) -> int:
    """New clicks since the watermark, a batch at a time."""
    with transaction.atomic():
        state = _state("clicks")
        last = Click.objects.aggregate(last=Max("id"))["last"] or state.last_id
        upto = min(last, state.last_id + limit)
        first = state.last_id
        state.last_id = upto
        state.save(update_fields=["last_id", "updated_at"])
    return _award_clicks(Click.objects.filter(id__gt=first, id__lte=upto), seen)


def award_engagement(*, seen: set[int] | None = None) -> int:
    """Growth of reactions, reposts and replies since each share's previous snapshot."""
    with transaction.atomic():
        state = _state("metrics")
        last = ShareMetrics.objects.aggregate(last=Max("id"))["last"] or state.last_id
        first = state.last_id
        state.last_id = last
        state.save(update_fields=["last_id", "updated_at"])
    awarded = 0
    snapshots = list(
        ShareMetrics.objects.filter(id__gt=first, id__lte=last, share__status=ShareStatus.SHARED)
        .select_related("share")
        .order_by("id")
    )
    members = _members({snapshot.share.membership_id for snapshot in snapshots})
    for snapshot in snapshots:
        before = (
            ShareMetrics.objects.filter(
                share_id=snapshot.share_id, fetched_at__lt=snapshot.fetched_at
            )
            .order_by("-fetched_at", "-id")
            .first()
        )
        growth = sum(
            max(0, (getattr(snapshot, name) or 0) - (getattr(before, name, 0) or 0))
            for name in ("reactions", "reposts", "replies")
        )
        if growth:
            entry = points_award(
                membership=members[snapshot.share.membership_id],
                rule=Rule.ENGAGEMENT,
                source=Source.METRICS,
                source_id=snapshot.pk,
                count=growth,
                moment=snapshot.fetched_at,
            )
            awarded += entry is not None
            if entry is not None and seen is not None:
                seen.add(snapshot.share.membership_id)
    return awarded


def _award_new(
    name: str,
    model: type[CourseCompletion] | type[Certificate],
    rule: str,
    source: str,
    seen: set[int],
) -> int:
    """Rows of `model` added since the watermark `name` earn `rule` once each."""
    with transaction.atomic():
        state = _state(name)
        last = model.objects.aggregate(last=Max("id"))["last"] or state.last_id
        first = state.last_id
        state.last_id = last
        state.save(update_fields=["last_id", "updated_at"])
    rows = list(model.objects.filter(id__gt=first, id__lte=last).values_list("pk", "membership_id"))
    members = _members({membership_id for _pk, membership_id in rows})
    awarded = 0
    for pk, membership_id in rows:
        entry = points_award(
            membership=members[membership_id], rule=rule, source=source, source_id=pk
        )
        awarded += entry is not None
        seen.add(membership_id)
    return awarded


def award_training(*, seen: set[int]) -> dict[str, int]:
    """Courses completed (each major version once) and certificates earned (each renewal
    too) since the last look. The members are checked for badges ("Certified")."""
    return {
        "courses": _award_new("courses", CourseCompletion, Rule.COURSE, Source.COURSE, seen),
        "certificates": _award_new(
            "certificates", Certificate, Rule.CERTIFICATE, Source.CERTIFICATE, seen
        ),
    }


def award_care(*, seen: set[int]) -> int:
    """Replies to customers published since the last look (by their last change, as
    shares): each earns "A customer answered" once, within the rule's caps."""
    with transaction.atomic():
        state = _state("care")
        now = timezone.now()
        changed = CareReply.objects.filter(updated_at__lte=now, status=ReplyStatus.PUBLISHED)
        if state.last_at is not None:
            changed = changed.filter(updated_at__gt=state.last_at - SHARES_OVERLAP)
        rows = list(
            changed.exclude(published_at=None).values_list("pk", "membership_id", "published_at")
        )
        state.last_at = now
        state.save(update_fields=["last_at", "updated_at"])
    members = _members({row[1] for row in rows})
    awarded = 0
    for pk, membership_id, published_at in rows:
        entry = points_award(
            membership=members[membership_id],
            rule=Rule.CARE_REPLY,
            source=Source.CARE_REPLY,
            source_id=pk,
            moment=published_at,
        )
        awarded += entry is not None
        seen.add(membership_id)
    return awarded


def points_refresh() -> dict[str, int]:
    """Every minute: what happened since the last run, turned into points."""
    seen: set[int] = set()
    counts = award_shares(seen=seen)
    counts["clicks"] = award_clicks(seen=seen)
    counts["engagement"] = award_engagement(seen=seen)
    counts.update(award_training(seen=seen))
    counts["care"] = award_care(seen=seen)
    # Badges for the members who earned points or shared in this run.
    counts["badges"] = badges_check(seen)
    return counts


def points_recheck_recent(*, days: int = 2) -> int:
    """Daily safety net: the last days' clicks again (awarding twice is a no-op)."""
    since = timezone.now() - timedelta(days=days)
    return _award_clicks(Click.objects.filter(created_at__gte=since))
