"""Rotating the encryption keys reaches the two-step sign-in secrets too (allauth keeps
them in a JSON column, where the encrypted-column walk does not look)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet
from django.core.management import call_command

from chorus.core import crypto
from chorus.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_rotation_re_encrypts_totp_secrets_and_recovery_seeds(
    organization: Any, settings: Any, capsys: Any
) -> None:
    old_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old_key]
    crypto.reset_keys()
    user = MembershipFactory(organization=organization).user
    totp = TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    codes = RecoveryCodes.activate(user)
    first_codes = codes.get_unused_codes()
    before = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]

    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    crypto.reset_keys()
    call_command("rotate_encryption_keys")
    assert "Re-encrypted 2 value(s)" in capsys.readouterr().out

    # The old key can go: the secret and the codes still open with the new key alone.
    settings.ENCRYPTION_KEYS = [new_key]
    crypto.reset_keys()
    try:
        stored = Authenticator.objects.get(pk=totp.instance.pk)
        assert stored.data["secret"] != before
        assert crypto.decrypt(stored.data["secret"]) == "JBSWY3DPEHPK3PXP"
        reloaded = RecoveryCodes(Authenticator.objects.get(pk=codes.instance.pk))
        assert reloaded.get_unused_codes() == first_codes
    finally:
        crypto.reset_keys()
