"""Two-step sign-in in a browser: on a phone, a member sets up an authenticator app from
Settings (QR code and key to type), signs out, and signs in with password and a code; a
passkey made by Chromium's virtual authenticator is registered and signs in, alone and as
the second step. Every page fits the screen and passes axe."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.tests_browser.test_journeys import PASSWORD, sign_in
from chorus.tests_browser.test_reach_pages import DESKTOP, PHONE, _problems

HOME = re.compile(r"://[^/]+/$")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_code(secret: str) -> str:
    """The app's code now; near the end of its 30 seconds, the next period's (allauth
    accepts only the current one, and the page takes a moment to submit)."""
    if time.time() % 30 > 26:
        time.sleep(30 - time.time() % 30 + 0.2)
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def confirm_password(page: Any) -> None:
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def sign_out(page: Any) -> None:
    page.locator("summary", has_text="your account").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_a_member_sets_up_an_authenticator_app_on_a_phone_and_signs_in_with_a_code(
    page: Any,
) -> None:
    acme: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    maya: Membership = MembershipFactory.create(
        organization=acme, user__email="maya@acme.test", user__name="Maya Schmidt"
    )
    problems: list[str] = []

    sign_in(page, "maya@acme.test")
    page.goto("/settings/")
    section = page.locator("#two-step")
    assert section.get_by_text("Off").is_visible()
    section.get_by_role("link", name="Two-step sign-in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    problems += _problems(page, "two-step sign-in (none yet)", PHONE)
    page.get_by_role("link", name="Set up an authenticator app").click()
    problems += _problems(page, "confirm it is you", PHONE)
    confirm_password(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.is_visible()
    assert qr.evaluate("image => image.naturalWidth") > 0  # the data: URI loads under our CSP
    secret = page.get_by_label("Key to type instead").input_value()
    assert len(secret) >= 16
    problems += _problems(page, "set up an authenticator app", PHONE)
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Turn on").click()
    page.get_by_text("Incorrect code").wait_for()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert page.locator(".recovery-codes li").count() == 10
    problems += _problems(page, "recovery codes", PHONE)
    page.get_by_role("link", name="Done").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    assert page.get_by_text("On", exact=True).is_visible()
    problems += _problems(page, "two-step sign-in (on)", PHONE)
    assert Authenticator.objects.filter(user=maya.user, type="totp").exists()

    sign_out(page)
    # The code used to turn the app on is spent: sign in a minute later, with a new one.
    with time_machine.travel(timezone.now() + timedelta(seconds=60)):
        page.get_by_label("Email").fill("maya@acme.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        problems += _problems(page, "two-step sign-in code", PHONE)
        page.get_by_label("Code").fill(totp_code(secret))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(HOME)
        assert page.locator("summary", has_text="your account").is_visible()
    assert problems == []


def add_virtual_authenticator(page: Any) -> tuple[Any, str]:
    """Chromium's virtual authenticator (a platform passkey store that always says yes)."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return session, str(added["authenticatorId"])


def test_a_passkey_is_registered_and_signs_in(page: Any, settings: Any) -> None:
    # The live server speaks plain HTTP on localhost (a secure context for the browser).
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    acme: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    ada: Membership = MembershipFactory.create(
        organization=acme, is_admin=True, user__email="ada@acme.test"
    )
    session, authenticator_id = add_virtual_authenticator(page)
    problems: list[str] = []

    sign_in(page, "ada@acme.test")
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add a key or passkey").click()
    confirm_password(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    problems += _problems(page, "add a key", DESKTOP)
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    key = Authenticator.objects.get(user=ada.user, type="webauthn")
    assert key.wrap().is_passwordless
    credentials = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    page.goto("/accounts/2fa/webauthn/")
    assert page.get_by_role("link", name="Remove Laptop").is_visible()
    problems += _problems(page, "keys", DESKTOP)

    # Passwordless: the passkey alone signs in.
    sign_out(page)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(HOME)
    assert page.locator("summary", has_text="your account").is_visible()

    # As the second step after the password.
    sign_out(page)
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    problems += _problems(page, "two-step sign-in with a key", DESKTOP)
    page.get_by_role("button", name="Use a security key or passkey").click()
    page.wait_for_url(HOME)
    assert page.locator("summary", has_text="your account").is_visible()
    assert problems == []


def test_the_requirement_sends_a_member_to_a_clear_page(page: Any) -> None:
    acme: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    MembershipFactory.create(organization=acme, is_admin=True, user__email="ada@acme.test")
    MembershipFactory.create(organization=acme, user__email="sam@acme.test")
    problems: list[str] = []
    sign_in(page, "ada@acme.test")
    page.goto("/manage/two-step-sign-in/")
    assert page.get_by_text("0 of 2 members with a password have two-step sign-in").is_visible()
    problems += _problems(page, "admin: two-step sign-in", PHONE)
    page.get_by_label("Require two-step sign-in for password users").check()
    page.get_by_label("Grace period (days)").fill("0")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Two-step sign-in settings saved.").wait_for()

    page.context.clear_cookies()
    sign_in(page, "sam@acme.test")
    page.goto("/")
    page.wait_for_url(re.compile(r"/two-step-sign-in/required/$"))
    assert page.get_by_role("heading", name="Set up two-step sign-in").is_visible()
    problems += _problems(page, "two-step sign-in required", PHONE)
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert problems == []
