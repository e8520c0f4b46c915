"""allauth's MFA adapter for Chorus: secrets encrypted at rest, the site's name as issuer."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from chorus.core import crypto


class MfaAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    """TOTP secrets and recovery-code seeds are stored with Chorus' encryption keys."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        # Secrets stored before encryption was in place still open.
        if not encrypted_text.startswith(crypto.PREFIX):
            return encrypted_text
        return crypto.decrypt(encrypted_text)

    def get_totp_issuer(self) -> str:
        return str(settings.SITE_NAME)

    def _get_site_name(self) -> str:
        return str(settings.SITE_NAME)
