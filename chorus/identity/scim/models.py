"""SCIM provisioning: the tokens an identity provider calls with, what it told us about each
member and group, and a short log of its requests.

A SCIM User is a `Membership` of the organization (its SCIM id is the membership's id); a
SCIM Group is an accounts `Group` of kind PROVISIONED (its SCIM id is the group's id). The
rows here keep only what the identity provider sends that Chorus has no field for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from chorus.core.models import TenantModel

# How long the log of an identity provider's requests is kept.
REQUEST_LOG_DAYS = 14


class ScimToken(TenantModel):
    """A bearer token for one organization's SCIM endpoint; only its hash is stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    # Deactivations through SCIM are done in this admin's name (they set the token up).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ScimUser(TenantModel):
    """What the identity provider says about one member beyond Chorus's own fields."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="scim"
    )
    external_id = models.CharField(max_length=255, blank=True)
    user_name = models.CharField(max_length=255)
    # userName compares without case (RFC 7643 §4.1.1): filters match this on the index.
    user_name_key = models.CharField(max_length=255)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    locale = models.CharField(max_length=32, blank=True)
    preferred_language = models.CharField(max_length=32, blank=True)
    employee_number = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "external_id"], name="scim_user_external"),
            models.Index(fields=["organization", "user_name_key"], name="scim_user_name"),
        ]

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(TenantModel):
    """A group the identity provider made: its external id and when it last changed."""

    group = models.OneToOneField("accounts.Group", on_delete=models.CASCADE, related_name="scim")
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "external_id"], name="scim_group_external"),
        ]

    def __str__(self) -> str:
        return self.external_id or str(self.group_id)


class ScimRequest(TenantModel):
    """One request an identity provider made, for the admins' recent-requests log."""

    token = models.ForeignKey(ScimToken, on_delete=models.SET_NULL, null=True, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="scim_request_log")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


def request_log_cutoff() -> datetime:
    return timezone.now() - timedelta(days=REQUEST_LOG_DAYS)
