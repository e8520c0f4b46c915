"""Certifications, the certificates members earn, and the gates a certification opens.

A certification names the courses (and practice scenarios, and sessions attended) it
requires and how long a certificate stays valid. A member holds it while they have a
certificate that is issued, not expired and not revoked. After expiry they are no longer
certified until they retake the refresher courses. Gates say what needs it: joining the
program, sharing at all, sharing to a network, sharing sensitive posts, auto-share,
answering customers; a gate can also ask for the current social media policy to be
acknowledged instead of a certification.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel


class Certification(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # What earning it takes: every one of these courses done at its current major version,
    # every one of these practice scenarios passed, and this many counting sessions attended.
    courses = models.ManyToManyField("training.Course", blank=True, related_name="certifications")
    scenarios = models.ManyToManyField(
        "training.Scenario", blank=True, related_name="certifications"
    )
    sessions_required = models.PositiveSmallIntegerField(_("sessions to attend"), default=0)
    # How long a certificate is valid (0: it never expires), and when to remind before.
    validity_months = models.PositiveSmallIntegerField(_("valid for (months)"), default=12)
    reminder_days = models.PositiveSmallIntegerField(_("remind days before expiry"), default=30)
    # What renewing takes once a certificate expired or is about to: retaking these courses
    # (none marked: every required course).
    refresher_courses = models.ManyToManyField(
        "training.Course", blank=True, related_name="refresher_for"
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Certificate(TenantModel):
    """A member earned a certification: valid from issued_at until expires_at (none: for
    good), unless revoked. Renewing issues a new certificate; the old ones stay as history."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="certificates"
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="certificates"
    )
    # The verification link's key: random and unguessable, unique across organizations.
    code = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    renewal = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    expiry_told_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["membership", "certification", "-expires_at"]),
            models.Index(fields=["certification", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.certification_id}/{self.membership_id} {self.issued_at:%Y-%m-%d}"

    def is_valid(self, at: datetime | None = None) -> bool:
        moment = at or timezone.now()
        return (
            self.revoked_at is None
            and self.issued_at <= moment
            and (self.expires_at is None or self.expires_at > moment)
        )


class GateAction(models.TextChoices):
    JOIN = "join", _("Join the advocacy program")
    SHARE = "share", _("Share at all")
    NETWORK = "network", _("Share to a network")
    SENSITIVE = "sensitive", _("Share sensitive posts")
    AUTO_SHARE = "auto_share", _("Use auto-share")
    CARE = "care", _("Answer customers")


class Gate(TenantModel):
    """Something a member may do only with a certification (or, with requires_policy, only
    after acknowledging the current social media policy).

    NETWORK gates name the network. SENSITIVE gates name a campaign or a topic; one naming
    neither covers posts marked "requires certification"."""

    action = models.CharField(max_length=12, choices=GateAction.choices)
    certification = models.ForeignKey(
        Certification, null=True, blank=True, on_delete=models.CASCADE, related_name="gates"
    )
    requires_policy = models.BooleanField(default=False)
    network = models.CharField(max_length=10, blank=True)
    campaign = models.CharField(max_length=100, blank=True)
    topic = models.ForeignKey(
        "content.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action", "id"]
        indexes = [models.Index(fields=["organization", "action"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(certification__isnull=False) | models.Q(requires_policy=True),
                name="gate_requires_something",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.network or self.campaign or self.topic_id or ''}".strip()
