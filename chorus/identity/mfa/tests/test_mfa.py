"""Two-step sign-in: TOTP set up and used with real codes, recovery codes, the
organization's requirement with its grace period, and who is exempt."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, cast

import pytest
import time_machine
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.accounts.services import tokens as token_services
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.identity.mfa.models import MfaGrace, MfaPolicy
from chorus.identity.mfa.services.policy import mfa_policy_update

PASSWORD = "correct horse battery"


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` at `at` (now by default)."""
    if at is None and time.time() % 30 > 27:
        # allauth accepts only the current period's code: not one about to expire.
        time.sleep(30 - time.time() % 30 + 0.2)
    return str(format_hotp_value(hotp_value(secret, int(at or time.time()) // 30)))


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def confirm_password(client: Any) -> None:
    """allauth asks for the password again before sign-in methods change."""
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def set_up_totp(client: Any, member: Membership) -> str:
    """Sign in with the password and turn the authenticator app on; returns its secret."""
    assert sign_in(client, member.user.email).status_code == 302
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # the key to type, beside the QR code
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done.status_code == 302, done.content
    return cast(str, secret)


@pytest.fixture
def member(organization: Any) -> Membership:
    return cast(
        Membership, MembershipFactory(organization=organization, user__email="mo@acme.test")
    )


def test_totp_set_up_then_sign_in_asks_for_the_code(client, member):
    secret = set_up_totp(client, member)
    stored = Authenticator.objects.get(user=member.user, type=Authenticator.Type.TOTP)
    # The secret is encrypted at rest with Chorus' keys.
    assert stored.data["secret"].startswith("fernet:")
    assert secret not in str(stored.data)
    client.post(reverse("account_logout"))

    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        response = sign_in(client, member.user.email)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        # Not signed in yet: the password alone opens nothing.
        assert client.get(reverse("home")).status_code == 302
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_is_refused_and_signs_nobody_in(client, member):
    secret = set_up_totp(client, member)
    client.post(reverse("account_logout"))
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        sign_in(client, member.user.email)
        good = totp_code(secret)
        wrong = f"{(int(good) + 1) % 1_000_000:06d}"
        response = client.post(reverse("mfa_authenticate"), {"code": wrong})
        assert response.status_code == 200
        assert "Incorrect code" in response.content.decode()
        home = client.get(reverse("home"))
        assert home.status_code == 302 and home["Location"].startswith(reverse("account_login"))


def test_a_wrong_code_does_not_turn_the_app_on(client, member):
    sign_in(client, member.user.email)
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    good = totp_code(page.context["form"].secret)
    response = client.post(
        reverse("mfa_activate_totp"), {"code": f"{(int(good) + 7) % 1_000_000:06d}"}
    )
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=member.user).exists()


def test_a_recovery_code_signs_in_once(client, member):
    set_up_totp(client, member)
    codes = (
        Authenticator.objects.get(user=member.user, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )
    assert len(codes) == 10
    # Viewing them needs the member signed in; they are on the page.
    page = client.get(reverse("mfa_view_recovery_codes"))
    assert codes[0] in page.content.decode()
    client.post(reverse("account_logout"))

    sign_in(client, member.user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("account_logout"))

    sign_in(client, member.user.email)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_settings_page_leads_to_two_step_sign_in(client, member):
    sign_in(client, member.user.email)
    page = client.get(reverse("settings")).content.decode()
    assert reverse("mfa_index") in page
    assert "Off" in page
    index = client.get(reverse("mfa_index"))
    assert index.status_code == 200
    assert reverse("mfa_activate_totp") in index.content.decode()


# The organization's requirement -------------------------------------------------------


def test_admin_switches_the_requirement_on_audited_with_a_count(admin_client, organization, member):
    set_up_totp(admin_client.__class__(), member)
    page = admin_client.get(reverse("identity_mfa_settings"))
    assert page.status_code == 200
    # Two members with a password, one of them with an authenticator app: a count, no names.
    assert "1 of 2 members with a password have two-step sign-in" in page.content.decode()
    assert member.user.email not in page.content.decode()
    response = admin_client.post(
        reverse("identity_mfa_settings"), {"required": "on", "grace_days": "7"}
    )
    assert response.status_code == 302
    policy = MfaPolicy.objects.get(organization=organization)
    assert policy.required and policy.required_since is not None and policy.grace_days == 7
    assert AuditEvent.objects.filter(organization=organization, action="mfa.required").count() == 1


@pytest.mark.parametrize("grace", ["-1", "91", "seven", ""])
def test_bad_grace_is_refused_and_changes_nothing(admin_client, organization, grace):
    response = admin_client.post(
        reverse("identity_mfa_settings"), {"required": "on", "grace_days": grace}
    )
    assert response.status_code == 400
    assert not MfaPolicy.objects.filter(organization=organization, required=True).exists()
    assert not AuditEvent.objects.filter(action="mfa.required").exists()


def test_only_admins_change_the_requirement(employee_client, organization):
    assert employee_client.get(reverse("identity_mfa_settings")).status_code == 403
    response = employee_client.post(
        reverse("identity_mfa_settings"), {"required": "on", "grace_days": "0"}
    )
    assert response.status_code == 403
    assert not MfaPolicy.objects.exists()


def require(organization: Any, admin: Membership, grace_days: int = 7) -> None:
    mfa_policy_update(
        organization=organization, actor=admin.user, required=True, grace_days=grace_days
    )


def test_after_the_grace_a_password_user_is_sent_to_set_it_up(
    client, organization, admin_member, member
):
    require(organization, admin_member)
    sign_in(client, member.user.email)
    # Within the grace period: the app works, with a word about it once.
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "requires two-step sign-in" in home.content.decode()
    assert MfaGrace.objects.filter(user=member.user).count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        for url in (reverse("home"), reverse("settings"), reverse("feed")):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == reverse("identity_mfa_required")
        assert client.post(reverse("settings"), {"name": "X"}).status_code == 302
        htmx = client.get(reverse("home"), headers={"HX-Request": "true"})
        assert htmx.headers["HX-Redirect"] == reverse("identity_mfa_required")
        # The prompt is a page, with its ways out.
        prompt = client.get(reverse("identity_mfa_required"))
        assert prompt.status_code == 200
        text = prompt.content.decode()
        assert reverse("mfa_activate_totp") in text and reverse("account_logout") in text
        # What is needed to set it up or leave stays reachable.
        assert client.get(reverse("mfa_index")).status_code == 200
        assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
        assert client.get("/static/chorus/chorus.css").status_code == 200
        assert client.post(reverse("set_language"), {"language": "de"}).status_code == 302
        assert client.post(reverse("account_logout")).status_code == 302
        assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))


def test_setting_it_up_ends_the_redirects(client, organization, admin_member, member):
    require(organization, admin_member, grace_days=0)
    secret = set_up_totp(client, member)
    assert secret
    assert client.get(reverse("home")).status_code == 200


def test_the_grace_counts_from_the_first_visit_after_it_was_switched_on(
    client, organization, admin_member, member
):
    require(organization, admin_member, grace_days=7)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        client.force_login(member.user)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=36)):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=38)):
        assert client.get(reverse("home")).status_code == 302


def test_switched_off_nobody_is_sent(client, organization, admin_member, member):
    require(organization, admin_member, grace_days=0)
    client.force_login(member.user)
    assert client.get(reverse("home")).status_code == 302
    mfa_policy_update(
        organization=organization, actor=admin_member.user, required=False, grace_days=0
    )
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa.not_required").count() == 1


def test_another_organization_is_not_affected(client, organization, admin_member):
    require(organization, admin_member, grace_days=0)
    elsewhere = cast(Membership, MembershipFactory(organization=OrganizationFactory()))
    client.force_login(elsewhere.user)
    assert client.get(reverse("home")).status_code == 200


def test_members_signed_in_through_sso_are_not_asked(client, organization, admin_member, member):
    require(organization, admin_member, grace_days=0)
    client.force_login(member.user)
    # What allauth records when a social (OIDC or SAML) sign-in completes.
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "socialaccount", "at": time.time(), "provider": "openid_connect", "uid": "x"}
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(member.user.pk)
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_api_tokens_are_unaffected_but_session_api_calls_wait(
    client, organization, admin_member, member
):
    require(organization, admin_member, grace_days=0)
    secret = token_services.api_token_create(membership=member, name="script")[1]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    client.force_login(member.user)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert "two-step" in response.json()["detail"]


def test_the_prompt_without_a_requirement_says_there_is_nothing_to_do(employee_client):
    response = employee_client.get(reverse("identity_mfa_required"))
    assert response.status_code == 200
    assert "Nothing to do here" in response.content.decode()


def test_break_glass_admins_get_no_grace_while_sso_is_required(client, organization, admin_member):
    from chorus.identity.models import BreakGlassAdmin, IdentityProvider, SsoPolicy

    IdentityProvider.objects.create(
        organization=organization, kind="oidc", name="Acme Okta", enabled=True
    )
    SsoPolicy.objects.create(organization=organization, require_sso=True)
    BreakGlassAdmin.objects.create(organization=organization, membership=admin_member)
    require(organization, admin_member, grace_days=7)
    client.force_login(admin_member.user)
    assert client.get(reverse("home"))["Location"] == reverse("identity_mfa_required")
    page = client.get(reverse("identity_mfa_settings"))
    assert page.status_code == 302  # the admin page too waits for the second step
    other_admin = cast(Membership, MembershipFactory(organization=organization, is_admin=True))
    client.force_login(other_admin.user)
    # Not a break-glass admin: the usual grace.
    assert client.get(reverse("home")).status_code == 200
    assert "break-glass" in client.get(reverse("identity_mfa_settings")).content.decode()
