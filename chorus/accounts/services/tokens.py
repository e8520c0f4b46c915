"""Personal API tokens: create, revoke, authenticate."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    ApiToken,
    Membership,
    User,
)
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations

API_TOKEN_PREFIX = "chorus_"


def api_token_create(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name, so you recognise it later."))
    secret = new_secret(API_TOKEN_PREFIX)
    token = ApiToken.objects.create(
        organization=membership.organization,
        membership=membership,
        name=name[:100],
        prefix=secret[: len(API_TOKEN_PREFIX) + 4],
        token_hash=hash_secret(secret),
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="api_token.created",
        target=token,
    )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked_at:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        organization=token.organization, actor=actor, action="api_token.revoked", target=token
    )


def api_token_authenticate(secret: str) -> ApiToken | None:
    with across_organizations("a token names its organization"):
        token = (
            ApiToken.objects.select_related("membership__organization", "membership__user")
            .filter(token_hash=hash_secret(secret), revoked_at__isnull=True)
            .first()
        )
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    # Touch at most once a minute: the API must not write on every call.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        token.save(update_fields=["last_used_at"])
    return token
