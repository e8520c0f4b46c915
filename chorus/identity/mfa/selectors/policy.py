"""Reads about the organization's two-step sign-in requirement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from chorus.accounts.models import Membership, Organization
from chorus.identity.mfa.models import (
    NOT_REQUIRED_CACHE_SECONDS,
    MfaPolicy,
    not_required_cache_key,
)
from chorus.identity.selectors import sso


def policy_of(*, organization: Organization) -> MfaPolicy | None:
    return MfaPolicy.objects.filter(organization=organization).first()


def required_policy(*, organization: Organization) -> MfaPolicy | None:
    """The policy when the organization requires two-step sign-in, else None (one query,
    none while "not required" is remembered: `NOT_REQUIRED_CACHE_SECONDS`)."""
    key = not_required_cache_key(organization.pk)
    if cache.get(key):
        return None
    policy = MfaPolicy.objects.filter(organization=organization, required=True).first()
    if policy is None:
        cache.set(key, True, NOT_REQUIRED_CACHE_SECONDS)
    return policy


def has_authenticator(*, user: AbstractBaseUser) -> bool:
    """An authenticator app or a security key (recovery codes alone are not one)."""
    found: bool = Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()
    return found


@dataclass(frozen=True)
class Coverage:
    """How many of the organization's active members who use a password have two-step sign-in."""

    with_mfa: int
    password_users: int


def coverage(*, organization: Organization) -> Coverage:
    """Counts only: active members with a usable password, and those of them with an
    authenticator app or a security key."""
    users = (
        Membership.objects.filter(organization=organization, is_active=True)
        .exclude(user__password__startswith="!")
        .exclude(user__password="")
        .values("user_id")
    )
    password_users = users.count()
    with_mfa = (
        Authenticator.objects.filter(
            user_id__in=users,
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        )
        .values("user_id")
        .distinct()
        .count()
    )
    return Coverage(with_mfa=with_mfa, password_users=password_users)


def grace_ends(*, started_at: datetime, grace_days: int) -> datetime:
    return started_at + timedelta(days=grace_days)


def password_sign_in_restricted(*, organization: Organization) -> bool:
    """Whether the organization requires single sign-on, so that only its break-glass
    admins still sign in with a password."""
    return sso.sso_required(organization=organization)


def is_break_glass(*, organization: Organization, user_id: int) -> bool:
    """A break-glass admin while single sign-on is required: a password user by design."""
    return sso.is_break_glass(organization=organization, user_id=user_id) and sso.sso_required(
        organization=organization
    )
