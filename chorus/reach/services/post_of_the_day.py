"""The post of the day, sent once a day at 09:00 in the site's time zone, to the
organization's channels that take it and to the members who chose it; held while sharing
is paused (the next run after the pause ends sends it, the same day)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from chorus.accounts.models import Organization
from chorus.content.models import Post
from chorus.notifications.messages import Category
from chorus.notifications.models import Dispatch
from chorus.notifications.preferences import zone
from chorus.notifications.services.delivery import dispatch_create, dispatch_fan_out
from chorus.reach.selectors.posts import live_posts

SEND_AT = datetime.time(9, 0)


def post_of_the_day_send(
    *, organization: Organization, now: datetime.datetime | None = None
) -> Dispatch | None:
    """Start today's post of the day when it is time; None when there is nothing to send
    yet (before 09:00, no post of the day, sharing paused) or it was already sent."""
    now = now or timezone.now()
    local = now.astimezone(zone(settings.TIME_ZONE))
    if local.time() < SEND_AT or organization.sharing_paused:
        return None
    post = (
        Post.objects.filter(live_posts(organization=organization, now=now))
        .filter(post_of_the_day=local.date())
        .first()
    )
    if post is None:
        return None
    key = f"post_of_the_day:{local.date().isoformat()}"
    if Dispatch.objects.filter(organization=organization, key=key).exists():
        return None
    groups = [] if post.target_all else list(post.target_groups.values_list("pk", flat=True))
    dispatch = dispatch_create(
        organization=organization,
        category=Category.POST_OF_THE_DAY,
        key=key,
        composer="post_of_the_day",
        params={"post_id": post.pk},
        # The composer keeps only the members the post is targeted at (groups of several
        # kinds narrow each other; the audience's groups only widen).
        audience={"groups": groups} if groups else {},
    )
    dispatch_fan_out(dispatch=dispatch)
    return dispatch
