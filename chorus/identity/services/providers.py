"""Writes of identity providers: an organization's OpenID Connect provider, discovered
through the SSRF-safe client, and enabling or disabling a provider."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.core.http import FetchError, fetch
from chorus.identity.models import IdentityProvider, ProviderKind

WELL_KNOWN = "/.well-known/openid-configuration"
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def oidc_discover(issuer: str) -> dict[str, object]:
    """The issuer's discovery document, checked; ValidationError in words otherwise."""
    issuer = issuer.strip().rstrip("/")
    url = issuer + WELL_KNOWN
    try:
        result = fetch(url, headers={"Accept": "application/json"}, max_bytes=500_000)
    except FetchError as error:
        raise ValidationError(
            _("Could not read %(url)s: %(reason)s.") % {"url": url, "reason": error}
        ) from error
    if not result.ok:
        raise ValidationError(
            _("%(url)s answered with status %(status)s, not the provider's configuration.")
            % {"url": url, "status": result.status_code}
        )
    try:
        document = json.loads(result.content)
    except ValueError as error:
        raise ValidationError(
            _("%(url)s did not answer with JSON: is the issuer address right?") % {"url": url}
        ) from error
    if not isinstance(document, dict):
        raise ValidationError(_("%(url)s did not answer with a configuration.") % {"url": url})
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ValidationError(
            _("The provider calls itself “%(found)s”, not “%(issuer)s”: use its exact issuer.")
            % {"found": document.get("issuer", ""), "issuer": issuer}
        )
    missing = [name for name in REQUIRED_ENDPOINTS if not document.get(name)]
    if missing:
        raise ValidationError(
            _("The provider's configuration lacks %(names)s.") % {"names": ", ".join(missing)}
        )
    return document


def oidc_provider_save(
    *,
    organization: Organization,
    actor: User,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str = "",
) -> IdentityProvider:
    """Create or change the organization's OpenID Connect provider. The issuer's discovery
    is fetched first: nothing changes when it fails. An empty secret keeps the stored one."""
    issuer = issuer.strip().rstrip("/")
    configuration = oidc_discover(issuer)
    provider = IdentityProvider.objects.filter(
        organization=organization, kind=ProviderKind.OIDC
    ).first()
    created = provider is None
    if provider is None:
        provider = IdentityProvider(organization=organization, kind=ProviderKind.OIDC)
        if not client_secret:
            raise ValidationError(_("Enter the client secret the provider gave you."))
    provider.name = name.strip()
    provider.issuer = issuer
    provider.client_id = client_id.strip()
    if client_secret:
        provider.client_secret = client_secret.strip()
    provider.oidc_configuration = configuration
    provider.discovered_at = timezone.now()
    provider.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="sso.provider_created" if created else "sso.provider_updated",
        target=provider,
        data={"kind": provider.kind, "issuer": issuer, "secret_changed": bool(client_secret)},
    )
    return provider


def provider_rediscover(*, provider: IdentityProvider) -> IdentityProvider:
    """Fetch an OIDC provider's discovery again (its keys or endpoints moved)."""
    provider.oidc_configuration = oidc_discover(provider.issuer)
    provider.discovered_at = timezone.now()
    provider.save(update_fields=["oidc_configuration", "discovered_at", "updated_at"])
    return provider


def provider_set_enabled(
    *, provider: IdentityProvider, actor: User, enabled: bool
) -> IdentityProvider:
    """Enable (at most one per organization: enabling one disables the other) or disable."""
    if enabled and provider.kind == ProviderKind.OIDC and not provider.oidc_configuration:
        raise ValidationError(_("Save the provider's settings before enabling it."))
    if (
        enabled
        and provider.kind == ProviderKind.SAML
        and not (provider.metadata_xml or provider.metadata_url)
    ):
        raise ValidationError(_("Give the provider's metadata before enabling it."))
    try:
        with transaction.atomic():
            if enabled:
                IdentityProvider.objects.filter(
                    organization_id=provider.organization_id, enabled=True
                ).exclude(pk=provider.pk).update(enabled=False)
            provider.enabled = enabled
            provider.save(update_fields=["enabled", "updated_at"])
    except IntegrityError as error:
        raise ValidationError(_("Another provider was enabled at the same time.")) from error
    audit_record(
        organization=provider.organization,
        actor=actor,
        action="sso.provider_enabled" if enabled else "sso.provider_disabled",
        target=provider,
    )
    return provider


def provider_delete(*, provider: IdentityProvider, actor: User) -> None:
    audit_record(
        organization=provider.organization,
        actor=actor,
        action="sso.provider_deleted",
        target=provider,
        data={"kind": provider.kind},
    )
    provider.delete()
