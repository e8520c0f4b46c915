"""Web Push: the deployment's VAPID key pair and the devices members allowed to notify.

A `PushSubscription` is what a browser's `PushManager.subscribe()` answers: the push
service's address for this browser (the endpoint, a capability URL) and the keys Chorus
encrypts messages with (RFC 8291). The endpoint and the auth secret are encrypted at rest;
the endpoint's digest finds a browser again without decrypting every row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel


class VapidKey(models.Model):
    """The deployment's VAPID key pair when VAPID_PRIVATE_KEY is not set: made once, kept in
    this single row (pk 1), so that subscriptions survive restarts with nothing to configure.
    Not an organization's data: one push identity for the whole deployment."""

    # PKCS#8 PEM of the P-256 private key.
    private_key = EncryptedTextField()
    # The public key as browsers take it (applicationServerKey): the uncompressed point,
    # base64url without padding.
    public_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"VAPID key {self.public_key[:12]}…"


class PushSubscription(TenantModel):
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = EncryptedTextField()
    # sha256 of the endpoint, hex: one row per member and browser, found without decrypting.
    endpoint_digest = models.CharField(max_length=64, db_index=True)
    # The push service's host (fcm.googleapis.com, updates.push.services.mozilla.com, ...).
    service = models.CharField(max_length=253)
    # The browser's P-256 public key (uncompressed point, base64url) and its auth secret.
    p256dh = models.CharField(max_length=100)
    auth = EncryptedTextField()
    # What the member reads in their list of devices ("Chrome on Android").
    label = models.CharField(_("device"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Refusals in a row (not counting temporary ones); a success starts again at zero.
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "endpoint_digest"], name="one_push_subscription_per_device"
            )
        ]
        indexes = [models.Index(fields=["organization", "membership"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label
