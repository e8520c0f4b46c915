"""SCIM tokens: created and revoked by admins, found by their secret, and the request log."""

from __future__ import annotations

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
    audit_record(
        organization=token.organization, actor=actor, action="scim.token_revoked", target=token
    )


def scim_token_authenticate(secret: str) -> ScimToken | None:
    """The live token with this secret, or None. A token whose admin is gone stops working
    (deactivations are done in their name)."""
    if not secret.startswith(SCIM_TOKEN_PREFIX) or len(secret) > 200:
        return None
    with across_organizations("a SCIM token names its organization"):
        token = (
            ScimToken.objects.select_related("organization")
            .filter(
                token_hash=hash_secret(secret),
                revoked_at__isnull=True,
                created_by__isnull=False,
                created_by__is_active=True,
            )
            .first()
        )
    if token is None:
        return None
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
