"""Writes of an organization's email domains: add one, verify it by a link emailed to an
address there (the admin picks the address), remove it.

Why an emailed link: whoever reads mail at the domain controls it for the purpose that
matters here (employees' sign-in email lands there), it needs no DNS access the admin may
not have, and it can be tested offline against a real SMTP server. Operators can also mark
a domain verified in the Django admin (a DNS check done by hand, for example).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations
from chorus.identity.models import DomainVerification, SsoDomain
from chorus.identity.selectors.sso import email_domain

# A verification link works this long.
LINK_VALID = timedelta(days=3)
# Public mail services: nobody may claim them for an organization.
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
    }
)


def domain_normalize(value: str) -> str:
    """The domain in lowercase IDNA ASCII form; ValidationError in words if not one."""
    text = (value or "").strip().lower().rstrip(".")
    if text.startswith("@"):
        text = text[1:]
    domain = email_domain(f"x@{text}") if text else ""
    labels = domain.split(".")
    if (
        not domain
        or len(domain) > 253
        or len(labels) < 2
        or any(not label or len(label) > 63 for label in labels)
        or any(label.startswith("-") or label.endswith("-") for label in labels)
        or not all(ch.isalnum() or ch in "-." for ch in domain)
    ):
        raise ValidationError(_("“%(value)s” is not a domain like example.com.") % {"value": value})
    if domain in FREE_MAIL:
        raise ValidationError(
            _("%(domain)s is a public mail service: it cannot belong to one organization.")
            % {"domain": domain}
        )
    return domain


def domain_add(*, organization: Organization, actor: User, domain: str) -> SsoDomain:
    name = domain_normalize(domain)
    if SsoDomain.objects.filter(organization=organization, domain=name).exists():
        raise ValidationError(_("%(domain)s is already in the list.") % {"domain": name})
    with across_organizations("a verified domain belongs to one organization only"):
        taken = SsoDomain.objects.filter(domain=name, verified_at__isnull=False).exists()
    if taken:
        raise ValidationError(
            _("%(domain)s is verified by another organization: ask the operators if it is yours.")
            % {"domain": name}
        )
    claim = SsoDomain.objects.create(organization=organization, domain=name, added_by=actor)
    audit_record(organization=organization, actor=actor, action="sso.domain_added", target=claim)
    return claim


def domain_send_verification(
    *, claim: SsoDomain, actor: User, address: str, site_url: str
) -> SsoDomain:
    """Email a verification link to `address`, which must be at the domain."""
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError as error:
        raise ValidationError(_("Enter an email address.")) from error
    if email_domain(address) != claim.domain:
        raise ValidationError(
            _("The address must be at %(domain)s, so that reading it proves the domain is yours.")
            % {"domain": claim.domain}
        )
    if claim.is_verified:
        raise ValidationError(_("%(domain)s is already verified.") % {"domain": claim.domain})
    secret = new_secret("dv_")
    link = site_url.rstrip("/") + reverse("identity_domain_verify", args=[secret])
    organization = claim.organization
    context = {"domain": claim.domain, "organization": organization, "link": link, "actor": actor}
    subject = _("Confirm that %(domain)s belongs to %(organization)s") % {
        "domain": claim.domain,
        "organization": organization.name,
    }
    message = EmailMultiAlternatives(
        subject,
        render_to_string("identity/email/domain_verification.txt", context),
        None,
        [address],
    )
    message.attach_alternative(
        render_to_string("identity/email/domain_verification.html", context), "text/html"
    )
    try:
        message.send()
    except OSError as error:
        raise ValidationError(
            _("The email could not be sent (%(reason)s). Try again later.") % {"reason": error}
        ) from error
    claim.verification_email = address
    claim.verification_token_hash = hash_secret(secret)
    claim.verification_sent_at = timezone.now()
    claim.save(
        update_fields=["verification_email", "verification_token_hash", "verification_sent_at"]
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="sso.domain_verification_sent",
        target=claim,
        data={"address": address},
    )
    return claim


def domain_claim_for_secret(secret: str) -> SsoDomain | None:
    """The unverified claim a verification link names, while the link is valid."""
    if not secret:
        return None
    with across_organizations("a domain verification link is found by its secret"):
        claim = (
            SsoDomain.objects.select_related("organization")
            .filter(verification_token_hash=hash_secret(secret), verified_at__isnull=True)
            .first()
        )
    if claim is None or claim.verification_sent_at is None:
        return None
    if timezone.now() - claim.verification_sent_at > LINK_VALID:
        return None
    return claim


def domain_verify(*, claim: SsoDomain, how: str = DomainVerification.EMAIL) -> SsoDomain:
    """Mark verified (unique across organizations); the link stops working."""
    try:
        with transaction.atomic():
            claim.verified_at = timezone.now()
            claim.verified_by = how
            claim.verification_token_hash = ""
            claim.save(update_fields=["verified_at", "verified_by", "verification_token_hash"])
    except IntegrityError as error:
        claim.verified_at = None
        raise ValidationError(
            _("%(domain)s was verified by another organization first.") % {"domain": claim.domain}
        ) from error
    audit_record(
        organization=claim.organization,
        actor=None,
        action="sso.domain_verified",
        target=claim,
        data={"how": how, "address": claim.verification_email},
    )
    return claim


def domain_remove(*, claim: SsoDomain, actor: User) -> None:
    audit_record(
        organization=claim.organization, actor=actor, action="sso.domain_removed", target=claim
    )
    claim.delete()
