"""What a sharing pause holds (services/pause.py): the scheduled shares that came due
during the pause and those still scheduled, and the auto-shares whose time passed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from chorus.accounts.models import Organization
from chorus.content.models import Post, PostState
from chorus.content.selectors.posts import post_audience
from chorus.sharing.models import AutoShare, Share, ShareMethod, ShareStatus
from chorus.sharing.services.schedule import autoshare_due_at


@dataclass(frozen=True)
class HeldAutoShare:
    """A member's auto-share whose time came during the pause: made on resuming."""

    auto: AutoShare
    post: Post
    due: datetime  # in the member's time zone
    networks: list[str]

    @property
    def pk(self) -> int:
        return self.auto.pk


@dataclass
class Held:
    # Scheduled API shares that came due while sharing was paused (published on resuming).
    due: list[Share] = field(default_factory=list)
    # Scheduled for later: they go out at their time once sharing resumes.
    scheduled: list[Share] = field(default_factory=list)
    auto_shares: list[HeldAutoShare] = field(default_factory=list)

    @property
    def share_ids(self) -> set[int]:
        return {share.pk for share in [*self.due, *self.scheduled]}

    @property
    def auto_share_ids(self) -> set[int]:
        return {held.pk for held in self.auto_shares}

    @property
    def count(self) -> int:
        return len(self.due) + len(self.scheduled) + len(self.auto_shares)


def shares_held(*, organization: Organization, now: datetime | None = None) -> Held:
    """What the organization's pause holds now (nothing when sharing is not paused)."""
    held = Held()
    paused_at = organization.sharing_paused_at
    if paused_at is None:
        return held
    now = now or timezone.now()
    scheduled = (
        Share.objects.filter(
            organization=organization, method=ShareMethod.API, status=ShareStatus.SCHEDULED
        )
        .select_related("membership__user", "post")
        .order_by("next_attempt_at", "pk")
    )
    for share in scheduled:
        due_at = share.next_attempt_at or share.scheduled_for
        (held.due if due_at is None or due_at <= now else held.scheduled).append(share)
    held.auto_shares = _auto_shares_held(organization, paused_at, now)
    return held


def _auto_shares_held(
    organization: Organization, paused_at: datetime, now: datetime
) -> list[HeldAutoShare]:
    """Active auto-shares whose time passed during the pause, on a day that is still the
    member's today, with a live post of the day meant for them not yet shared there."""
    autos = (
        AutoShare.objects.filter(organization=organization, is_active=True, expires_at__gt=now)
        .select_related("membership__user")
        .order_by("pk")
    )
    due: list[tuple[AutoShare, datetime]] = []
    for auto in autos:
        if not auto.membership.is_advocate:
            continue
        at = autoshare_due_at(auto=auto, now=now)
        if paused_at <= at <= now and at >= auto.consented_at:
            due.append((auto, at))
    if not due:
        return []
    days: set[date] = {at.date() for _auto, at in due}
    posts = {
        post.post_of_the_day: post
        for post in Post.objects.filter(
            organization=organization, post_of_the_day__in=days, state=PostState.LIVE
        )
    }
    audiences: dict[int, set[int]] = {}
    taken: dict[tuple[int, int], set[str]] = {}
    for share in Share.objects.filter(
        organization=organization,
        post__in=list(posts.values()),
        membership_id__in=[auto.membership_id for auto, _at in due],
    ).values_list("post_id", "membership_id", "network"):
        taken.setdefault((share[0], share[1]), set()).add(share[2])
    found = []
    for auto, at in due:
        post = posts.get(at.date())
        if post is None:
            continue
        if post.pk not in audiences:
            audiences[post.pk] = set(post_audience(post).values_list("pk", flat=True))
        if auto.membership_id not in audiences[post.pk]:
            continue
        done = taken.get((post.pk, auto.membership_id), set())
        networks = [network for network in auto.networks if network not in done]
        if networks:
            found.append(HeldAutoShare(auto=auto, post=post, due=at, networks=networks))
    return found
