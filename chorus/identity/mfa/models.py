"""An organization's requirement of two-step sign-in (allauth's MFA) for password users.

The authenticators themselves (TOTP, WebAuthn keys, recovery codes) are allauth's
`mfa.Authenticator` rows, their secrets encrypted by `chorus.identity.mfa.adapter`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel

GRACE_DAYS_DEFAULT = 7
GRACE_DAYS_MAX = 90


class MfaPolicy(TenantModel):
    """Whether the organization requires two-step sign-in, since when, and the grace."""

    required = models.BooleanField(_("Require two-step sign-in for password users"), default=False)
    # When it was last switched on: members' grace periods count from then or later.
    required_since = models.DateTimeField(null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField(default=GRACE_DAYS_DEFAULT)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_mfa_policy"),
        ]

    def __str__(self) -> str:
        return str(_("Two-step sign-in"))


class MfaGrace(TenantModel):
    """When a member was first seen after the requirement was switched on: their grace
    period runs from then (a member away for a month still gets their days)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The policy's `required_since` this grace belongs to: switched off and on, it restarts.
    required_since = models.DateTimeField()
    started_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_mfa_grace"),
        ]
