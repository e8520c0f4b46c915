"""Reads of single sign-on: an organization's providers, domains and policy, and the
lookups sign-in makes before anyone is signed in (an email's domain, a provider id)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chorus.accounts.models import Membership, Organization
from chorus.core.tenancy import across_organizations, in_organization
from chorus.identity.models import (
    BreakGlassAdmin,
    IdentityProvider,
    SsoDomain,
    SsoPolicy,
)

PROVIDER_ID = re.compile(r"^org-(?P<organization>\d+)-(?P<kind>oidc|saml)$")


def email_domain(email: str) -> str:
    """The domain of an address, lowercase and in IDNA ASCII form ('' when not one)."""
    _local, at, domain = (email or "").strip().rpartition("@")
    if not at or not _local or not domain:
        return ""
    try:
        return domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return ""


def providers(*, organization: Organization) -> list[IdentityProvider]:
    return list(IdentityProvider.objects.filter(organization=organization).order_by("kind"))


def provider_get(*, organization: Organization, provider_id: int) -> IdentityProvider:
    """The organization's provider (IdentityProvider.DoesNotExist for another's id)."""
    return IdentityProvider.objects.get(organization=organization, pk=provider_id)


def provider_of_kind(*, organization: Organization, kind: str) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organization=organization, kind=kind).first()


def enabled_provider(*, organization: Organization) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organization=organization, enabled=True).first()


def provider_by_allauth_id(provider_id: str) -> IdentityProvider | None:
    """The provider named by allauth's provider id ('org-<organization>-<kind>')."""
    match = PROVIDER_ID.match(provider_id or "")
    if match is None:
        return None
    organization_id = int(match["organization"])
    with in_organization(organization_id):
        return IdentityProvider.objects.filter(
            organization_id=organization_id, kind=match["kind"]
        ).first()


def domains(*, organization: Organization) -> list[SsoDomain]:
    return list(SsoDomain.objects.filter(organization=organization).order_by("domain"))


def domain_get(*, organization: Organization, domain_id: int) -> SsoDomain:
    return SsoDomain.objects.get(organization=organization, pk=domain_id)


def verified_domain_names(*, organization: Organization) -> set[str]:
    return set(
        SsoDomain.objects.filter(organization=organization, verified_at__isnull=False).values_list(
            "domain", flat=True
        )
    )


def verified_domain(domain: str) -> SsoDomain | None:
    """The verified claim on a domain, whichever organization holds it."""
    if not domain:
        return None
    with across_organizations("a verified email domain is unique across organizations"):
        return (
            SsoDomain.objects.select_related("organization")
            .filter(domain=domain, verified_at__isnull=False)
            .first()
        )


@dataclass(frozen=True)
class Discovery:
    """Where an email signs in: its organization's enabled provider, and whether a
    password is still allowed there."""

    organization: Organization
    provider: IdentityProvider
    require_sso: bool


def discover(email: str) -> Discovery | None:
    """The enabled provider for an email's verified domain, or None (password sign-in)."""
    claim = verified_domain(email_domain(email))
    if claim is None:
        return None
    organization = claim.organization
    with in_organization(organization):
        provider = enabled_provider(organization=organization)
        if provider is None:
            return None
        return Discovery(
            organization=organization,
            provider=provider,
            require_sso=sso_required(organization=organization),
        )


def policy(*, organization: Organization) -> SsoPolicy:
    """The organization's policy (unsaved defaults when never changed)."""
    found = SsoPolicy.objects.filter(organization=organization).first()
    return found or SsoPolicy(organization=organization)


def sso_required(*, organization: Organization) -> bool:
    """Require SSO counts only while an enabled provider can actually sign people in."""
    return (
        SsoPolicy.objects.filter(organization=organization, require_sso=True).exists()
        and IdentityProvider.objects.filter(organization=organization, enabled=True).exists()
    )


def break_glass_admins(*, organization: Organization) -> list[BreakGlassAdmin]:
    return list(
        BreakGlassAdmin.objects.filter(organization=organization)
        .select_related("membership__user")
        .order_by("membership__user__email")
    )


def break_glass_get(*, organization: Organization, break_glass_id: int) -> BreakGlassAdmin:
    return BreakGlassAdmin.objects.get(organization=organization, pk=break_glass_id)


def break_glass_candidates(*, organization: Organization) -> list[Membership]:
    """Active admins who are not break-glass admins yet."""
    taken = BreakGlassAdmin.objects.filter(organization=organization).values("membership_id")
    return list(
        Membership.objects.filter(organization=organization, is_admin=True, is_active=True)
        .exclude(pk__in=taken)
        .select_related("user")
        .order_by("user__email")
    )


def is_break_glass(*, organization: Organization, user_id: int) -> bool:
    return BreakGlassAdmin.objects.filter(
        organization=organization,
        membership__user_id=user_id,
        membership__is_active=True,
        membership__is_admin=True,
    ).exists()


def password_refused(email: str) -> Discovery | None:
    """When SSO is required at this email's domain and the address is not a break-glass
    admin's there: the discovery to send them to; None when a password is fine."""
    found = discover(email)
    if found is None or not found.require_sso:
        return None
    from chorus.accounts.models import User

    with across_organizations("the user an email names, before sign-in"):
        user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None:
        with in_organization(found.organization):
            if is_break_glass(organization=found.organization, user_id=user.pk):
                return None
    return found
