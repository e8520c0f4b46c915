"""An organization's requirement of two-step sign-in (allauth's MFA) for password users.

The authenticators themselves (TOTP, WebAuthn keys, recovery codes) are allauth's
`mfa.Authenticator` rows, their secrets encrypted by `chorus.identity.mfa.adapter`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel

GRACE_DAYS_DEFAULT = 7
# Every signed-in page asks whether the organization requires two-step sign-in: "no" is
# remembered this long per process (or in the shared cache), and forgotten when a policy is
# saved, so switching it on reaches every page at once here and within this time elsewhere.
NOT_REQUIRED_CACHE_SECONDS = 30


def not_required_cache_key(organization_id: int) -> str:
    return f"identity_mfa:not_required:{organization_id}"


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

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        key = not_required_cache_key(self.organization_id)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))

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
