"""Personal data rights: a member's export of their data, erasure requests, and how long
an organization keeps raw rows (clicks, audit details, delivery logs)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class DataExport(TenantModel):
    """One member's ZIP of their data in this organization: built by a task, kept under
    DATA_DIR with a random name, downloadable by that member only until `expires_at`."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    file_name = models.CharField(max_length=80, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="privacy_export_expiry")]

    def __str__(self) -> str:
        return f"Export #{self.pk}"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the cooling-off period")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Carried out")


class ErasureRequest(TenantModel):
    """A member's own request to be erased: carried out when `due_at` comes (7 days of
    cooling-off they can cancel), or at once by an admin. Once done, the membership it
    points at is the anonymous "Former member #<id>"."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status="pending"),
                name="privacy_one_pending_erasure",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_erasure_due")]

    def __str__(self) -> str:
        return f"Erasure request #{self.pk}"


# Lower bounds that keep the app working: the rollups are rebuilt from raw clicks for a
# while after a day (late clicks, bots reclassified, shares changed), the daily cap and the
# delivery log read recent deliveries, webhooks retry for a day.
MIN_CLICKS_DAYS = 90
MIN_AUDIT_DAYS = 30
MIN_DELIVERIES_DAYS = 7
MAX_DAYS = 3650


class RetentionSettings(TenantModel):
    """How long this organization keeps raw rows; enforced daily (`retention_enforce`)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    clicks_days = models.PositiveIntegerField(
        _("Keep raw clicks for (days)"),
        default=395,
        validators=[MinValueValidator(MIN_CLICKS_DAYS), MaxValueValidator(MAX_DAYS)],
        help_text=_(
            "Each click on a tracked link. The daily counts built from them stay: "
            "dashboards and leaderboards are unchanged."
        ),
    )
    audit_days = models.PositiveIntegerField(
        _("Keep audit details for (days)"),
        default=730,
        validators=[MinValueValidator(MIN_AUDIT_DAYS), MaxValueValidator(MAX_DAYS)],
        help_text=_("After this, an audit entry keeps who did what and when, not the details."),
    )
    deliveries_days = models.PositiveIntegerField(
        _("Keep delivery logs for (days)"),
        default=90,
        validators=[MinValueValidator(MIN_DELIVERIES_DAYS), MaxValueValidator(MAX_DAYS)],
        help_text=_(
            "What was sent to members (email, Slack, Teams, phones), to webhooks, and "
            "customer conversations handed to the support team."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Retention of organization {self.organization_id}"
