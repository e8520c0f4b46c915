"""Just-in-time membership: the first single sign-on of someone at a verified domain.

The identity provider's email is trusted only at the organization's verified domains.
A new member gets the employee role and stays outside the advocacy program: joining it
is their own choice on the program page, never a side effect of signing in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership, ProgramStatus, User
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations, in_organization
from chorus.identity.models import IdentityProvider
from chorus.identity.selectors.sso import email_domain, verified_domain_names


class SsoRefused(Exception):
    """A single sign-on that is refused, with the sentence the person reads."""


@dataclass(frozen=True)
class SsoMember:
    user: User
    membership: Membership
    created_user: bool
    created_membership: bool


def sso_member(
    *,
    provider: IdentityProvider,
    email: str,
    first_name: str = "",
    last_name: str = "",
    user: User | None = None,
) -> SsoMember:
    """The user and active membership an SSO sign-in with this email lands in.

    `user` is the account already linked to this provider's identity, if any; otherwise
    the account with that email, or a new one. Raises SsoRefused in words.
    """
    organization = provider.organization
    email = (email or "").strip()
    if not provider.enabled:
        raise SsoRefused(_("Single sign-on is turned off for %(name)s.") % {"name": organization})
    domain = email_domain(email)
    with in_organization(organization):
        allowed = verified_domain_names(organization=organization)
    if not email or domain not in allowed:
        raise SsoRefused(
            _(
                "Your identity provider signed you in as “%(email)s”, which is not at one of "
                "%(organization)s's verified domains. Ask your admin to add the domain."
            )
            % {"email": email or "?", "organization": organization.name}
        )
    with transaction.atomic(), across_organizations("the account an SSO email names"):
        created_user = False
        if user is None:
            user = User.objects.filter(email__iexact=email).first()
        if user is None:
            name = f"{first_name} {last_name}".strip()
            try:
                with transaction.atomic():
                    user = User.objects.create_user(email=email.lower(), password=None, name=name)
            except IntegrityError:
                user = User.objects.get(email__iexact=email)
            else:
                created_user = True
        if not user.is_active:
            raise SsoRefused(_("This account is switched off. Ask your admin."))
    with transaction.atomic(), in_organization(organization):
        membership = Membership.objects.filter(organization=organization, user=user).first()
        created_membership = False
        if membership is not None and not membership.is_active:
            raise SsoRefused(
                _(
                    "Your membership of %(organization)s is deactivated, so single sign-on "
                    "cannot open it. Ask your admin."
                )
                % {"organization": organization.name}
            )
        if membership is None:
            membership = Membership.objects.create(
                organization=organization,
                user=user,
                is_employee=True,
                program_status=ProgramStatus.NOT_JOINED,
            )
            created_membership = True
            audit_record(
                organization=organization,
                actor=user,
                action="sso.member_joined",
                target=membership,
                data={"provider": provider.kind},
            )
    return SsoMember(
        user=user,
        membership=membership,
        created_user=created_user,
        created_membership=created_membership,
    )
