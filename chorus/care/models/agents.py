"""Members who answer customers: they opt in, say when they are on duty and which
languages and product areas they take. Routing offers conversations only to agents who
opted in, are cleared (the care certification, or an admin's clearance where the
organization has no care gate), on duty and inside their working hours."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel


def weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class CareAgent(TenantModel):
    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="care_agent"
    )
    opted_in = models.BooleanField(_("I answer customers"), default=False)
    opted_in_at = models.DateTimeField(null=True, blank=True)
    on_duty = models.BooleanField(_("on duty"), default=False)
    languages = models.JSONField(default=list, blank=True)
    tags = models.ManyToManyField("care.CareTag", blank=True, related_name="agents")
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Monday 0 ... Sunday 6.
    work_days = models.JSONField(default=weekdays, blank=True)
    work_start = models.TimeField(_("from"), default=time(9, 0))
    work_end = models.TimeField(_("until"), default=time(17, 0))
    # How many open conversations routing gives them at most.
    max_open = models.PositiveSmallIntegerField(_("at most open at once"), default=5)
    # An admin's clearance, which stands in for the care certification when the
    # organization has no care gate.
    cleared = models.BooleanField(_("cleared by an admin"), default=False)
    cleared_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.membership)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saved with the member's `answers_customers` flag kept equal to `opted_in` (the
        app shell reads the flag without a query)."""
        super().save(*args, **kwargs)
        membership = self.membership
        if membership.answers_customers != self.opted_in:
            membership.answers_customers = self.opted_in
            type(membership).objects.filter(pk=membership.pk).update(
                answers_customers=self.opted_in
            )
