"""The deployment's VAPID identity (RFC 8292): the key pair push services know Chorus by.

From VAPID_PRIVATE_KEY when it is set (PEM, or base64url of the raw 32-byte key or of its
DER form, as `vapid --gen` and web-push's tools print it). Without it, a key pair is made
the first time one is needed and kept in the database (`VapidKey`, the private key
encrypted), so that `make run` needs nothing configured and browsers' subscriptions, which
are bound to the public key, survive restarts. Changing the key orphans every subscription:
browsers must subscribe again.
"""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from chorus.notifications.webpush.models import VapidKey
from chorus.notifications.webpush.transport import Vapid, b64url_decode, public_key_text

SINGLE_ROW = 1


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM or base64url (raw or DER); ValueError if it is not one."""
    text = text.strip().replace("\\n", "\n")
    key: object
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text.replace("\n", ""))
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError(str(error) or "not a private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("VAPID keys are P-256 (prime256v1) elliptic-curve keys")
    return key


@lru_cache(maxsize=4)
def _configured(text: str) -> tuple[ec.EllipticCurvePrivateKey, str]:
    try:
        key = parse_private_key(text)
    except ValueError as error:
        raise ImproperlyConfigured(f"VAPID_PRIVATE_KEY is not usable: {error}") from error
    return key, public_key_text(key)


def vapid_subject() -> str:
    """VAPID_SUBJECT, or a mailto: of the address Chorus sends email from."""
    if settings.VAPID_SUBJECT:
        return str(settings.VAPID_SUBJECT)
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if "@" in address:
        return f"mailto:{address}"
    return "mailto:chorus@localhost"


def _stored() -> VapidKey:
    row = VapidKey.objects.filter(pk=SINGLE_ROW).first()
    if row is not None:
        return row
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    try:
        # Two processes may get here at once: the first row wins, the other reads it.
        with transaction.atomic():
            return VapidKey.objects.create(
                pk=SINGLE_ROW, private_key=pem, public_key=public_key_text(private_key)
            )
    except IntegrityError:
        return VapidKey.objects.get(pk=SINGLE_ROW)


def vapid_identity() -> Vapid:
    """The key pair and contact to sign pushes with (ImproperlyConfigured for a bad setting)."""
    if settings.VAPID_PRIVATE_KEY:
        private_key, public_key = _configured(str(settings.VAPID_PRIVATE_KEY))
    else:
        row = _stored()
        private_key = parse_private_key(row.private_key)
        public_key = row.public_key
    return Vapid(private_key=private_key, public_key=public_key, subject=vapid_subject())


def vapid_public_key() -> str:
    """The applicationServerKey browsers subscribe with (base64url, uncompressed point)."""
    if settings.VAPID_PRIVATE_KEY:
        return _configured(str(settings.VAPID_PRIVATE_KEY))[1]
    return _stored().public_key
