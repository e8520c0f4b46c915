"""Pilot models: a program that starts small with a few volunteers, then widens by groups.

One `Pilot` per organization. While it runs, only its cohort (an accounts `Group` of kind
PILOT, made when the pilot starts) and the groups it graduated (`PilotWave`) may join the
program; "open to everyone" ends it. Members are asked one by one (`PilotInvitation`) and
may say no without a reason (none is stored); members can offer themselves (`Volunteer`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel

# Guidance, never a rule: a pilot of 5 to 10 volunteers is easy to listen to.
PILOT_SIZE_MIN = 5
PILOT_SIZE_MAX = 10


class PilotStatus(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("pilot status", "Not started")
    RUNNING = "running", pgettext_lazy("pilot status", "Running")
    # Translators: the pilot ended and the program is open to every member.
    GRADUATED = "graduated", pgettext_lazy("pilot status", "Open to everyone")


class Pilot(TenantModel):
    status = models.CharField(
        max_length=12, choices=PilotStatus.choices, default=PilotStatus.NOT_STARTED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    graduated_at = models.DateTimeField(null=True, blank=True)
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The admin's personal words, shown in every invitation.
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_pilot_per_organization")
        ]

    def __str__(self) -> str:
        return f"Pilot of {self.organization_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("pilot invitation", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("pilot invitation", "Accepted")
    # What the admin sees for a declined invitation: there is no reason to show.
    DECLINED = "declined", pgettext_lazy("pilot invitation", "Not this time")
    WITHDRAWN = "withdrawn", pgettext_lazy("pilot invitation", "Withdrawn")


class PilotInvitation(TenantModel):
    """A personal invitation to the pilot. Declining stores no reason: there is no field."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="pilot_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    # An accepted invitation whose member left the pilot later.
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status="pending"),
                name="one_pending_pilot_invitation",
            )
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"Pilot invitation {self.pk}"


class Volunteer(TenantModel):
    """A member who said "I'd like to be in the pilot" on the program page."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="pilot_volunteer"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Volunteer {self.membership_id}"


class PilotWave(TenantModel):
    """Groups the program was widened to: their members may join while the pilot runs."""

    groups = models.ManyToManyField("accounts.Group", related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited = models.PositiveIntegerField(default=0, verbose_name=_("Members invited"))

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"Pilot wave {self.pk}"
