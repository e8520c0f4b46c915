"""Points: an append-only ledger, the organization's rules, and totals per period.

Every award is a PointEntry naming the member, the rule, the points, the source (a share,
a click, an engagement snapshot, an accepted suggestion, later a course or a customer
answer) and when. Nothing is edited in place: a click later found to be a bot, or a share
undone within the hour, gets a reversing entry. PointTotal rows are the ledger summed per
member and period (week, month, quarter, all time), kept in the same transaction as each
entry, so leaderboards read one row per member.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from chorus.core.models import AppendOnlyError, TenantModel
from chorus.core.tenancy import TenantManager


class Rule(models.TextChoices):
    SHARE = "share", _("Sharing a post")
    CLICK = "click", _("A new visitor opening your link")
    ENGAGEMENT = "engagement", _("Reactions, reposts and replies to your shares")
    SUGGESTION = "suggestion", _("A suggestion of yours accepted")
    COURSE = "course", _("A course completed")
    CERTIFICATE = "certificate", _("A certification earned")
    CARE_REPLY = "care_reply", _("A customer answered")
    REWARD = "reward", _("A reward redeemed")


# (points, daily cap in points; 0: no cap) when the organization has not set a rule.
DEFAULT_RULES: dict[str, tuple[int, int]] = {
    Rule.SHARE: (10, 50),
    Rule.CLICK: (2, 100),
    Rule.ENGAGEMENT: (1, 50),
    Rule.SUGGESTION: (20, 60),
    Rule.COURSE: (50, 0),
    Rule.CERTIFICATE: (100, 0),
    Rule.CARE_REPLY: (10, 100),
}


class Source(models.TextChoices):
    SHARE = "share", _("Share")
    CLICK = "click", _("Click")
    METRICS = "metrics", _("Engagement snapshot")
    SUGGESTION = "suggestion", _("Suggestion")
    COURSE = "course", _("Course")
    CERTIFICATE = "certificate", _("Certificate")
    CARE_REPLY = "care_reply", _("Customer answer")
    REWARD_REQUEST = "reward_request", _("Reward request")


class Period(models.TextChoices):
    WEEK = "week", _("This week")
    MONTH = "month", _("This month")
    QUARTER = "quarter", _("This quarter")
    ALL = "all", _("All time")


ALL_TIME_START = date(2000, 1, 1)


class GamificationSettings(TenantModel):
    """Whether the organization uses points at all (some regulated companies must not)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="gamification"
    )
    enabled = models.BooleanField(_("Points, rankings and badges"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"gamification of {self.organization_id}: {'on' if self.enabled else 'off'}"


class PointRule(TenantModel):
    """What one action is worth, and at most how many points it earns a member a day."""

    rule = models.CharField(max_length=20, choices=Rule.choices)
    points = models.PositiveIntegerField()
    daily_cap = models.PositiveIntegerField(help_text=_("Points a day at most; 0: no cap."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "rule"], name="one_point_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.points} (cap {self.daily_cap})"


class PointEntryQuerySet(models.QuerySet["PointEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The points ledger is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The points ledger is append-only.")


PointEntryManager = TenantManager.from_queryset(PointEntryQuerySet)


class PointEntry(TenantModel):
    """One award (points > 0), reversal or redemption (points < 0). Written once."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="point_entries"
    )
    rule = models.CharField(max_length=20, choices=Rule.choices)
    points = models.IntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    source_id = models.BigIntegerField()
    # A reversal points at the entry it cancels (each entry is reversed at most once).
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    # The day the points count for (site time zone); a reversal keeps its entry's day.
    day = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PointEntryManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            # A source earns once per rule: awarding again is a no-op.
            models.UniqueConstraint(
                fields=["organization", "rule", "source", "source_id"],
                condition=models.Q(reverses__isnull=True),
                name="one_award_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["membership", "rule", "day"], name="points_member_day"),
            models.Index(fields=["membership", "-created_at"], name="points_member_recent"),
            models.Index(fields=["source", "source_id"], name="points_source"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("A ledger entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("A ledger entry cannot be deleted.")

    def __str__(self) -> str:
        return f"{self.points:+d} {self.rule} for {self.membership_id}"


class PointTotal(TenantModel):
    """A member's points in one period (the ledger summed; kept with every entry)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="point_totals"
    )
    period = models.CharField(max_length=10, choices=Period.choices)
    starts = models.DateField()
    points = models.IntegerField(default=0)
    # On the boards: the member is active and in the program (kept by accounts' services
    # when they leave, come back, are deactivated or reactivated; their points stay).
    ranked = models.BooleanField(default=True, db_default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "period", "starts"], name="one_total_per_period"
            )
        ]
        indexes = [
            # Only the members on the boards: the top is an ordered read of this index, and
            # a rank one count over it (SQLite and PostgreSQL use it for `ranked` queries).
            models.Index(
                fields=["organization", "period", "starts", "-points", "membership"],
                condition=models.Q(ranked=True),
                name="points_ranking",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.period} {self.starts}: {self.points}"


class Reward(TenantModel):
    """Something in the organization's catalogue that members buy with points."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    price = models.PositiveIntegerField(_("Price in points"))
    # Decremented when a member requests the reward, given back on decline or cancel.
    stock = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    # A picture for the catalogue: checked and re-encoded by Pillow, served from our origin.
    picture = models.ImageField(upload_to="rewards/", max_length=200, blank=True)
    picture_width = models.PositiveIntegerField(default=0)
    picture_height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="reward_price_positive"),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="reward_stock_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "active", "price"], name="rewards_catalogue")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def picture_version(self) -> str:
        """Changes with the picture: the pages' ?v=, so a browser fetches the new one."""
        return (self.picture.name or "").rsplit("/", 1)[-1].split(".", 1)[0][:12]


class RewardStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class RewardRequest(TenantModel):
    """A member's request for a reward: the points and one item are reserved at once."""

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="requests")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="reward_requests"
    )
    points = models.PositiveIntegerField(help_text=_("The price paid (the reward's at the time)."))
    status = models.CharField(
        max_length=10, choices=RewardStatus.choices, default=RewardStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status", "created_at"], name="reward_queue"),
            models.Index(fields=["membership", "-created_at"], name="reward_requests_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} for {self.membership_id}: {self.status}"

    @property
    def state_class(self) -> str:
        """The stylesheet's class for the status (the posts' colours)."""
        classes: dict[str, str] = {
            RewardStatus.REQUESTED: "state-in_review",
            RewardStatus.APPROVED: "state-approved",
            RewardStatus.DECLINED: "state-rejected",
        }
        return classes.get(self.status, "state-archived")


class Criterion(models.TextChoices):
    FIRST_SHARE = "first_share", _("First share")
    SHARES = "shares", _("Shares")
    UNIQUE_CLICKS = "unique_clicks", _("Unique clicks on your links")
    NETWORKS = "networks", _("Networks shared to")
    STREAK_WEEKS = "streak_weeks", _("Weekly sharing streak")
    SUGGESTION_ACCEPTED = "suggestion_accepted", _("A suggestion accepted")
    # Holding a valid certificate of any certification (training).
    CERTIFIED = "certified", _("Certified")


# Each criterion's emblem: an interface icon (lucide, in the sprite) on the accent colour.
CRITERION_ICONS: dict[str, str] = {
    Criterion.FIRST_SHARE: "rocket",
    Criterion.SHARES: "repeat-2",
    Criterion.UNIQUE_CLICKS: "mouse-pointer-click",
    Criterion.NETWORKS: "globe",
    Criterion.STREAK_WEEKS: "flame",
    Criterion.SUGGESTION_ACCEPTED: "lightbulb",
    Criterion.CERTIFIED: "graduation-cap",
}


# The badges Chorus suggests (name, description, criterion, threshold). They are added in
# English and shown in the reader's language for as long as an admin keeps their text
# (Badge.shown_name, Badge.shown_description); a name an admin writes is shown as written.
SUGGESTED_BADGES: list[tuple[str, str, str, int]] = [
    (
        gettext_noop("First share"),
        gettext_noop("You shared for the first time."),
        Criterion.FIRST_SHARE,
        1,
    ),
    (gettext_noop("10 shares"), gettext_noop("You shared ten times."), Criterion.SHARES, 10),
    (
        gettext_noop("100 unique clicks"),
        gettext_noop("A hundred people opened your links."),
        Criterion.UNIQUE_CLICKS,
        100,
    ),
    (
        gettext_noop("Shared on 3 networks"),
        gettext_noop("You shared on three different networks."),
        Criterion.NETWORKS,
        3,
    ),
    (
        gettext_noop("4-week streak"),
        gettext_noop("You shared every week for four weeks."),
        Criterion.STREAK_WEEKS,
        4,
    ),
    (
        gettext_noop("Suggestion accepted"),
        gettext_noop("A post you suggested was accepted."),
        Criterion.SUGGESTION_ACCEPTED,
        1,
    ),
]
_SUGGESTED_TEXTS = {
    (criterion, text)
    for name, description, criterion, _threshold in SUGGESTED_BADGES
    for text in (name, description)
}


def _suggested_text(criterion: str, text: str) -> str | Promise:
    """A suggested badge's own text in the reader's language (lazy); any other as written."""
    return _(text) if (criterion, text) in _SUGGESTED_TEXTS else text


class Badge(TenantModel):
    """Something a member earns once, when they meet the badge's criterion."""

    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    criterion = models.CharField(max_length=20, choices=Criterion.choices)
    # N for the counted criteria; 1 for the yes/no ones.
    threshold = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gte=1), name="badge_threshold_positive"
            )
        ]
        indexes = [models.Index(fields=["organization", "active"], name="badges_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str | Promise:
        """The name to show: a suggested badge's in the reader's language (see
        SUGGESTED_BADGES), an admin's own as written."""
        return _suggested_text(self.criterion, self.name)

    @property
    def shown_description(self) -> str | Promise:
        return _suggested_text(self.criterion, self.description)

    @property
    def icon(self) -> str:
        """The icon of the badge's emblem (chorus/gamification/templates/.../badge_emblem.html)."""
        return CRITERION_ICONS.get(self.criterion, "award")


class BadgeAward(TenantModel):
    """A badge earned by a member: once, with the date."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="badge_awards"
    )
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["badge", "membership"], name="one_award_per_badge")
        ]
        indexes = [models.Index(fields=["membership", "-awarded_at"], name="badges_mine")]

    def __str__(self) -> str:
        return f"{self.badge_id} for {self.membership_id}"


class ChallengeMetric(models.TextChoices):
    SHARES = "shares", _("Shares")
    UNIQUE_CLICKS = "unique_clicks", _("New visitors on shared links")
    POINTS = "points", _("Points earned")


class Challenge(TenantModel):
    """A group goal over a few days: shares, new visitors or points, for everyone in the
    program or for some groups, with an optional personal goal and a prize.

    Progress is never stored: it is counted from the shares, clicks or points ledger of
    the period (selectors_challenges). `results_sent_at` is set once the participants
    were told the final figures.
    """

    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    metric = models.CharField(max_length=16, choices=ChallengeMetric.choices)
    # Shares and clicks only: posts of this campaign (Post.campaign); empty, every post.
    campaign = models.CharField(max_length=100, blank=True)
    target = models.PositiveIntegerField(_("Group goal"))
    member_target = models.PositiveIntegerField(_("Personal goal"), null=True, blank=True)
    # Both days included, site time zone.
    starts_on = models.DateField()
    ends_on = models.DateField()
    # Empty: everyone in the program.
    groups = models.ManyToManyField("accounts.Group", blank=True, related_name="+")
    prize = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    results_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="challenge_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="challenge_target"),
        ]
        indexes = [
            models.Index(fields=["organization", "ends_on"], name="challenges_by_end"),
            models.Index(fields=["results_sent_at", "ends_on"], name="challenges_results"),
        ]

    def __str__(self) -> str:
        return self.title
