"""SCIM tokens: created and revoked by admins, found by their secret, and the request log."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations, in_organization
from chorus.identity.scim.models import ScimRequest, ScimToken, request_log_cutoff

SCIM_TOKEN_PREFIX = "chorus_scim_"
# A web process remembers a token it found for this long, so that provisioning thousands of
# users does not look the token up on every call. A revocation (or the deactivation of the
# admin who made the token) is honoured by every process within these seconds, and at once
# by the process that revoked it (scim_token_revoke forgets it).
TOKEN_CACHE_SECONDS = 5.0
_found: dict[str, tuple[float, ScimToken]] = {}
_found_lock = threading.Lock()


def _forget_tokens() -> None:
    with _found_lock:
        _found.clear()


def scim_token_create(
    *, organization: Organization, actor: User, name: str
) -> tuple[ScimToken, str]:
    """A new token for the organization's SCIM endpoint; the secret is returned once."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the token a name, for example the identity provider's."))
    secret = new_secret(SCIM_TOKEN_PREFIX)
    token = ScimToken.objects.create(
        organization=organization,
        name=name[:100],
        prefix=secret[: len(SCIM_TOKEN_PREFIX) + 4],
        token_hash=hash_secret(secret),
        created_by=actor,
    )
    audit_record(organization=organization, actor=actor, action="scim.token_created", target=token)
    return token, secret


def scim_token_revoke(*, token: ScimToken, actor: User) -> None:
    if token.revoked_at:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _forget_tokens()
    audit_record(
        organization=token.organization, actor=actor, action="scim.token_revoked", target=token
    )


def scim_token_authenticate(secret: str) -> ScimToken | None:
    """The live token with this secret, or None. A token whose admin is gone stops working
    (deactivations are done in their name). Remembered for TOKEN_CACHE_SECONDS."""
    if not secret.startswith(SCIM_TOKEN_PREFIX) or len(secret) > 200:
        return None
    token_hash = hash_secret(secret)
    now_monotonic = time.monotonic()
    token: ScimToken | None
    cached = _found.get(token_hash)
    if cached is not None and now_monotonic - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
    else:
        with across_organizations("a SCIM token names its organization"):
            token = (
                ScimToken.objects.select_related("organization")
                .filter(
                    token_hash=token_hash,
                    revoked_at__isnull=True,
                    created_by__isnull=False,
                    created_by__is_active=True,
                )
                .first()
            )
        with _found_lock:
            if token is None:
                _found.pop(token_hash, None)
                return None
            _found[token_hash] = (now_monotonic, token)
    # Touch at most once a minute: provisioning must not write the token on every call.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        with in_organization(token.organization):
            ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def scim_request_log(*, token: ScimToken, method: str, path: str, status: int) -> None:
    ScimRequest.objects.create(
        organization_id=token.organization_id,
        token=token,
        method=method[:8],
        path=path[:300],
        status=status,
    )


def scim_requests_prune() -> int:
    """Forget requests older than the log keeps (every organization)."""
    with across_organizations("the request log's retention is the same everywhere"):
        deleted, _ = ScimRequest.objects.filter(created_at__lt=request_log_cutoff()).delete()
    return deleted
