"""Rollups the dashboards read instead of raw events, and the organization's value settings.

Rollups are rebuilt per (organization, day) from the raw rows (clicks, shares, metric
snapshots, memberships) by tasks, so a late click, a reclassified bot or a deleted share
corrects the day it belongs to. Self-clicks and previews are kept apart and never counted
in clicks. Potential reach is shares x the sharer's follower count where known: it is
labelled "potential", never "actual".
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

from chorus.core.models import TenantModel
from chorus.networks.registry import CHANNEL_CHOICES


class ValueSettings(TenantModel):
    """What the organization says each kind of engagement is worth (earned media value)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="value_settings"
    )
    currency = models.CharField(max_length=3, default="EUR")
    per_click = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    per_reaction = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    per_repost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    per_reply = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    # Cost per thousand of potential reach (empty: reach adds nothing to the value).
    cpm = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"value settings of {self.organization_id}"


class DailyShareStats(TenantModel):
    """One day of one post x member x network: what was shared and what it earned.

    `membership` is empty for a post's own links (minted for the post, not a member).
    Clicks are people's clicks on the member's tracked link that day, self-clicks
    excluded; engagement is the growth of the network's counters that day.
    """

    day = models.DateField()
    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    network = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    campaign = models.CharField(max_length=100, blank=True)
    shares = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    unique_clicks = models.PositiveIntegerField(default=0)
    previews = models.PositiveIntegerField(default=0)
    self_clicks = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    impressions = models.PositiveIntegerField(null=True, blank=True)
    potential_reach = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "post", "membership", "network"],
                condition=models.Q(membership__isnull=False),
                name="one_stats_row_per_member",
            ),
            models.UniqueConstraint(
                fields=["organization", "day", "post", "network"],
                condition=models.Q(membership__isnull=True),
                name="one_stats_row_per_post",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "day"]),
            models.Index(fields=["organization", "post", "day"]),
            models.Index(fields=["organization", "membership", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} post {self.post_id} member {self.membership_id} {self.network}"


class DailyHeadcount(TenantModel):
    """The organization's headcount and participation on one day (snapshotted that day)."""

    day = models.DateField()
    members = models.PositiveIntegerField(default=0)  # active memberships
    invited = models.PositiveIntegerField(default=0)  # open invitations
    joined = models.PositiveIntegerField(default=0)  # taking part in the program
    connected = models.PositiveIntegerField(default=0)  # with at least one active account
    sharers_30_days = models.PositiveIntegerField(default=0)
    sharers_3_of_4_weeks = models.PositiveIntegerField(default=0)
    # Over the 30 days to this day: shares + clicks of every member, of the top 10% of the
    # members in the program (`top_tenth` of them), and the median member in the program.
    activity_30_days = models.PositiveBigIntegerField(default=0)
    top_tenth_activity_30_days = models.PositiveBigIntegerField(default=0)
    top_tenth = models.PositiveIntegerField(default=0)
    median_shares_30_days = models.FloatField(default=0.0)
    median_clicks_30_days = models.FloatField(default=0.0)
    median_engagement_30_days = models.FloatField(default=0.0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="one_headcount_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} on {self.day}"


class RollupState(models.Model):
    """How far a periodic task has read the raw rows (one row per source): the rollups'
    dirty days, the points task's awards (sources "points:...")."""

    source = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source} at {self.last_id}"


class RollupDirtyDay(TenantModel):
    """A day whose rollups must be rebuilt (a queue: rows are removed once rebuilt)."""

    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="one_dirty_mark_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} on {self.day} (dirty)"


# Coarser rollups, derived from a day's DailyShareStats by the same rebuild of the day, so
# the dashboards read hundreds or thousands of rows for a range instead of millions.

SUMMED = ("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")


class SummedFigures(TenantModel):
    """A day's figures that add up over members, posts and networks."""

    day = models.DateField()
    shares = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    potential_reach = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class AllFigures(SummedFigures):
    """Every figure of a day, with the clicks' detail and impressions where known
    (`impressions_rows`: how many fine rows a network reported impressions for)."""

    unique_clicks = models.PositiveIntegerField(default=0)
    previews = models.PositiveIntegerField(default=0)
    self_clicks = models.PositiveIntegerField(default=0)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    impressions_rows = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyNetworkStats(AllFigures):
    """One day of one network and campaign: every figure (the dashboard's totals, daily
    series and network mix). `impressions_rows` counts the rows a network reported
    impressions for (impressions are shown only where known)."""

    network = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    campaign = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "network", "campaign"],
                name="one_network_stats_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.network} {self.campaign}"


class DailyPostStats(SummedFigures):
    """One day of one post, all members and networks together (top posts)."""

    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="+")
    campaign = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "post"], name="one_post_stats_row"
            )
        ]
        indexes = [models.Index(fields=["organization", "campaign", "day"])]

    def __str__(self) -> str:
        return f"{self.day} post {self.post_id}"


class DailyMemberStats(SummedFigures):
    """One day of one member, all posts and networks together (top members, the member's
    own page, the median member and the concentration of activity)."""

    # Indexed below with the day (and, on PostgreSQL, the sums: read from the index alone).
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "membership"], name="one_member_stats_row"
            )
        ]
        indexes = [
            # The day's best members first: top members read a few rows of each day.
            models.Index(
                fields=["organization", "day", "-clicks", "-shares"],
                include=["membership"],
                name="member_stats_best",
            ),
            models.Index(
                fields=["membership", "day"],
                include=["organization", *SUMMED],
                name="member_stats_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} member {self.membership_id}"


class DailyGroupStats(AllFigures):
    """One day of one group's active members on one network: every figure (the group
    comparison, and the totals, series and network mix of a group filter).

    Members are counted in the groups they are in now: the rows are rebuilt with the day,
    and for every day when group memberships change. `group` empty is the "Other" line:
    the members of every group smaller than 5, each person once.
    """

    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    network = models.CharField(max_length=10, choices=CHANNEL_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "group", "day", "network"],
                condition=models.Q(group__isnull=False),
                name="one_group_stats_row",
            ),
            models.UniqueConstraint(
                fields=["organization", "day", "network"],
                condition=models.Q(group__isnull=True),
                name="one_other_group_stats_row",
            ),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="group_stats_day")]

    def __str__(self) -> str:
        return f"{self.day} group {self.group_id or 'other'} {self.network}"


class DailyGroupHeadcount(TenantModel):
    """A group's size and sharers on one day (snapshotted with DailyHeadcount).

    `group` empty is "Other" (members of groups smaller than 5, each person once)."""

    day = models.DateField()
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    members = models.PositiveIntegerField(default=0)  # active members
    sharers_30_days = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "group"],
                condition=models.Q(group__isnull=False),
                name="one_group_headcount_a_day",
            ),
            models.UniqueConstraint(
                fields=["organization", "day"],
                condition=models.Q(group__isnull=True),
                name="one_other_headcount_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} group {self.group_id or 'other'} headcount"
