"""Identity models: single sign-on per organization (OpenID Connect and SAML 2.0).

- `IdentityProvider`: the organization's identity provider, one per kind (OIDC, SAML).
  allauth sees each as an unsaved `SocialApp` built by `chorus.identity.adapters`
  (provider id `org-<organization id>-<kind>`), the secret decrypted only in memory.
- `SsoDomain`: an email domain the organization claims. Once verified (an emailed link to
  an address at that domain, or an operator in the Django admin) it is unique across
  organizations: sign-in discovery sends its addresses to the organization's provider, and
  just-in-time membership trusts the provider's email only at verified domains.
- `SsoPolicy`: "Require SSO" for the organization's verified domains.
- `BreakGlassAdmin`: admins explicitly allowed to sign in with a password while SSO is
  required (at least one stays while SSO is required).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel


class ProviderKind(models.TextChoices):
    OIDC = "oidc", pgettext_lazy("identity provider kind", "OpenID Connect")
    SAML = "saml", pgettext_lazy("identity provider kind", "SAML 2.0")


def default_attribute_mapping() -> dict[str, str]:
    """SAML attribute names for each member field (the names most IdPs send by default)."""
    return {
        "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "first_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "last_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "groups": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    }


class IdentityProvider(TenantModel):
    """An organization's identity provider: one per kind, at most one enabled.

    Why at most one enabled: sign-in discovery goes from an email's domain to its
    organization, and from there straight to the identity provider. With two enabled
    providers the member would have to choose one they may never have heard of; a company
    signs its employees in through one IdP. The other kind can be prepared while disabled
    (switching from SAML to OIDC, for example) and enabled when it has been tested.
    """

    kind = models.CharField(max_length=8, choices=ProviderKind.choices)
    # What members see on the button ("Sign in with Acme Okta").
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # OpenID Connect: discovery at <issuer>/.well-known/openid-configuration.
    issuer = models.URLField(max_length=500, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = EncryptedTextField(blank=True)
    # The discovery document as last fetched (endpoints, jwks_uri), and when.
    oidc_configuration = models.JSONField(default=dict, blank=True)
    discovered_at = models.DateTimeField(null=True, blank=True)

    # SAML 2.0: the IdP's metadata, by URL or uploaded (parsed with defusedxml).
    metadata_url = models.URLField(max_length=500, blank=True)
    metadata_xml = models.TextField(blank=True)
    idp_entity_id = models.CharField(max_length=500, blank=True)
    # Member field ("email", "first_name", "last_name", "groups") -> SAML attribute name.
    attribute_mapping = models.JSONField(default=default_attribute_mapping, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"], name="one_identity_provider_per_kind"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(enabled=True),
                name="one_enabled_identity_provider",
            ),
        ]
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def provider_id(self) -> str:
        """allauth's provider id for this provider: part of its callback URL."""
        return f"org-{self.organization_id}-{self.kind}"


class DomainVerification(models.TextChoices):
    EMAIL = "email", pgettext_lazy("domain verification", "Link emailed to an address there")
    OPERATOR = "operator", pgettext_lazy("domain verification", "By the operators")


class SsoDomain(TenantModel):
    """An email domain of the organization (lowercase, IDNA ASCII form: 'xn--...')."""

    domain = models.CharField(max_length=253)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=10, choices=DomainVerification.choices, blank=True)
    # Where the verification link went (an address at the domain the admin chose).
    verification_email = models.EmailField(blank=True)
    # SHA-256 of the emailed link's secret; cleared once used.
    verification_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "domain"], name="one_sso_domain_per_organization"
            ),
            # A verified domain belongs to one organization only.
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(verified_at__isnull=False),
                name="sso_domain_verified_once",
            ),
        ]
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class SsoPolicy(TenantModel):
    """The organization's sign-in policy (one row, made when first changed)."""

    # Password sign-in and password reset refused at the organization's verified domains,
    # except for break-glass admins.
    require_sso = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_sso_policy_per_organization")
        ]

    def __str__(self) -> str:
        return f"SSO policy of {self.organization_id}"


class BreakGlassAdmin(TenantModel):
    """An admin allowed to sign in with a password while SSO is required."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership"], name="one_break_glass_per_membership")
        ]

    def __str__(self) -> str:
        return f"Break-glass {self.membership_id}"


class SamlAssertionSeen(models.Model):
    """A SAML assertion already used to sign in, kept until it expires, so that the same
    answer posted again is refused, whichever web process or machine receives it.

    Not a tenant row: an assertion id is unique by itself (a hash of the provider and the
    id, nothing about the person). Expired rows are pruned daily."""

    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.digest
