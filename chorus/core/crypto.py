"""Encryption at rest for secrets Chorus holds for others (network tokens, app secrets).

Keys come from ENCRYPTION_KEYS (comma-separated Fernet keys, newest first): the first
encrypts, all of them decrypt, so a key is rotated by putting a new one in front,
running `manage.py rotate_encryption_keys`, then dropping the old one. Without the
variable, one key is generated into DATA_DIR/encryption_key (like the secret key).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


class DecryptionError(Exception):
    """No configured key opens this value (a key was dropped before rotating)."""


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS)
    if not keys:
        raise RuntimeError("ENCRYPTION_KEYS is empty.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def reset_keys() -> None:
    """Forget the loaded keys (after the setting changed, in tests and rotation)."""
    _fernet.cache_clear()


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise DecryptionError("The value is not encrypted.")
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("No configured encryption key opens this value.") from error


def rotate(stored: str) -> str:
    """The same secret encrypted with the newest key."""
    if not stored:
        return ""
    try:
        token = _fernet().rotate(stored[len(PREFIX) :].encode())
    except InvalidToken as error:
        raise DecryptionError("No configured encryption key opens this value.") from error
    return PREFIX + token.decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column that holds only ciphertext; Python code sees the plain text."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value or "")

    def get_prep_value(self, value: Any) -> str:
        return encrypt(str(value or ""))

    def to_python(self, value: Any) -> str:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return "" if value is None else str(value)


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) that is encrypted, for key rotation."""
    from django.apps import apps

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField)
    ]
