"""Best-practice spaces: members talk about what works, in spaces per topic, region or cohort.

A space holds threads; a thread's opening message and its replies are `Message` rows, so
reactions, mentions, reports and hiding work the same on both. "A win" is a thread that
points at one of its author's own shares; its figures are read live from links and
sharing (never copied), so they grow with the share.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel

# A member may change their own message for this long after writing it.
EDIT_WINDOW_MINUTES = 15
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_TITLE = 200
MAX_BODY = 10000
MAX_NOTE = 500
MAX_REASON = 300


class SpaceKind(models.TextChoices):
    TOPIC = "topic", pgettext_lazy("space kind", "Topic")
    REGION = "region", pgettext_lazy("space kind", "Region")
    COHORT = "cohort", pgettext_lazy("space kind", "Cohort")


class SpaceVisibility(models.TextChoices):
    OPEN = "open", _("Open: any member may read and join")
    INVITE_ONLY = "invite_only", _("Invite only: members are invited by a moderator")


class Space(TenantModel):
    name = models.CharField(max_length=MAX_NAME)
    description = models.CharField(max_length=MAX_DESCRIPTION, blank=True)
    kind = models.CharField(max_length=8, choices=SpaceKind.choices, default=SpaceKind.TOPIC)
    visibility = models.CharField(
        max_length=12, choices=SpaceVisibility.choices, default=SpaceVisibility.OPEN
    )
    # A region or the pilot cohort the space is for, and/or the topic it talks about.
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey(
        "content.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.visibility == SpaceVisibility.OPEN


class SpaceRole(models.TextChoices):
    MEMBER = "member", pgettext_lazy("space role", "Member")
    MODERATOR = "moderator", pgettext_lazy("space role", "Moderator")


class SpaceMember(TenantModel):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="space_memberships"
    )
    role = models.CharField(max_length=10, choices=SpaceRole.choices, default=SpaceRole.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    # No notifications from this space, except when someone mentions the member.
    muted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "membership"], name="one_space_member")
        ]
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.membership_id} in {self.space_id}"


class InvitationState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("space invitation", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("space invitation", "Accepted")
    DECLINED = "declined", pgettext_lazy("space invitation", "Declined")


class SpaceInvitation(TenantModel):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitations")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="space_invitations"
    )
    invited_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "membership"],
                condition=models.Q(state="pending"),
                name="one_pending_space_invitation",
            )
        ]
        ordering = ["-created_at", "-id"]


class ThreadKind(models.TextChoices):
    DISCUSSION = "discussion", pgettext_lazy("thread kind", "Discussion")
    WIN = "win", pgettext_lazy("thread kind", "A win")


class Thread(TenantModel):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(
        max_length=10, choices=ThreadKind.choices, default=ThreadKind.DISCUSSION
    )
    title = models.CharField(max_length=MAX_TITLE)
    # A win: the author's own share it is about (its figures are read live).
    share = models.ForeignKey(
        "sharing.Share", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    reply_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-last_activity_at", "-id"]
        indexes = [
            # The space's thread list: pinned first, then by last activity, read by keyset.
            models.Index(fields=["space", "pinned", "-last_activity_at", "-id"], name="thread_list")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Message(TenantModel):
    """A thread's opening message (`opening`) or a reply."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opening = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(max_length=MAX_REASON, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.thread_id}/{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


# The reactions members may leave, one of each per member and message.
REACTIONS: dict[str, str] = {
    "thumbs_up": "👍",
    "party": "🎉",
    "idea": "💡",
    "heart": "❤️",
}
REACTION_NAMES = {
    "thumbs_up": pgettext_lazy("reaction", "Thumbs up"),
    "party": pgettext_lazy("reaction", "Celebrate"),
    "idea": pgettext_lazy("reaction", "Good idea"),
    "heart": pgettext_lazy("reaction", "Love it"),
}


class Reaction(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    emoji = models.CharField(max_length=12, choices=[(key, key) for key in REACTIONS])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "membership", "emoji"], name="one_reaction_of_a_kind"
            )
        ]


class Mention(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "membership"], name="one_mention")
        ]


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Offensive or disrespectful")
    CONFIDENTIAL = "confidential", _("Shares confidential information")
    MISLEADING = "misleading", _("Misleading or against our guidelines")
    OTHER = "other", pgettext_lazy("report reason", "Something else")


class ReportOutcome(models.TextChoices):
    HIDDEN = "hidden", pgettext_lazy("report outcome", "Message hidden")
    DISMISSED = "dismissed", pgettext_lazy("report outcome", "Dismissed")


class Report(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=14, choices=ReportReason.choices)
    note = models.CharField(max_length=MAX_NOTE, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=ReportOutcome.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_member")
        ]
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "resolved_at"])]


class ThreadRead(TenantModel):
    """When a member last read a thread (the unread marker)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "membership"], name="one_thread_read")
        ]


class SpaceSession(TenantModel):
    """A training session (or its whole series) linked to a space: the space shows it."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="session_links")
    session = models.ForeignKey(
        "training.TrainingSession", on_delete=models.CASCADE, related_name="+"
    )
    # Set when the session belongs to a series: the space shows the series' next sessions.
    series = models.ForeignKey(
        "training.SessionSeries", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "session"], name="one_space_session")
        ]
