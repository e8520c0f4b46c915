"""Sessions: workshops, one-on-ones and recurring best-practice meetings.

A session has a time (stored in UTC, shown in the time zone it was planned in and in each
member's), a place or a video link, a capacity, an audience, and may belong to a series.
Members RSVP; invitations and updates go out by email with an iCalendar file whose UID
stays the same and whose SEQUENCE grows with each change. Trainers mark attendance, which
counts toward a certification when the session says so."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel
from chorus.core.validators import MAX_URL_LENGTH, validate_web_url


class SessionKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    ONE_ON_ONE = "one_on_one", _("One-on-one")
    MEETING = "meeting", _("Best-practice meeting")


class SessionFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class SessionSeries(TenantModel):
    """Sessions planned together at a fixed rhythm; each occurrence is a TrainingSession."""

    title = models.CharField(_("title"), max_length=200)
    frequency = models.CharField(max_length=10, choices=SessionFrequency.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class TrainingSession(TenantModel):
    kind = models.CharField(
        max_length=12, choices=SessionKind.choices, default=SessionKind.WORKSHOP
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)  # Markdown
    starts_at = models.DateTimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    # The IANA time zone the session was planned in (its local time is shown in it).
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    location = models.CharField(_("place"), max_length=300, blank=True)
    video_url = models.URLField(
        _("video link"), max_length=MAX_URL_LENGTH, blank=True, validators=[validate_web_url]
    )
    capacity = models.PositiveIntegerField(_("places"), default=0)  # 0: no limit
    target_all = models.BooleanField(default=True)
    target_groups = models.ManyToManyField(
        "accounts.Group", blank=True, related_name="targeted_sessions"
    )
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    # Attending counts toward this certification (its sessions_required).
    counts_toward = models.ForeignKey(
        "training.Certification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # iCalendar identity: the UID never changes, SEQUENCE grows with every update sent.
    uid = models.CharField(max_length=100, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organization", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class RsvpState(models.TextChoices):
    GOING = "going", _("Going")
    WAITLIST = "waitlist", _("On the waiting list")
    DECLINED = "declined", _("Not going")


class SessionRsvp(TenantModel):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="rsvps")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="session_rsvps"
    )
    state = models.CharField(max_length=10, choices=RsvpState.choices, default=RsvpState.GOING)
    # Marked by a trainer after the session: None until marked.
    attended = models.BooleanField(null=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "membership"], name="one_rsvp_per_session")
        ]
        indexes = [models.Index(fields=["membership", "state"])]
