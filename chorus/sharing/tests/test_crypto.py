"""Encryption at rest (chorus.core.crypto): ciphertext in the column, rotation of keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from chorus.core import crypto
from chorus.factories import MembershipFactory, NetworkConnectionFactory
from chorus.sharing.models import NetworkConnection, NetworkSettings


def raw(model: Any, pk: int, column: str) -> str:
    table = db.ops.quote_name(model._meta.db_table)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {db.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def keys(settings: Any) -> Iterator[list[str]]:
    generated = [Fernet.generate_key().decode()]
    settings.ENCRYPTION_KEYS = generated
    crypto.reset_keys()
    yield generated
    crypto.reset_keys()


def test_tokens_are_stored_encrypted_never_in_plain_text(organization: Any, keys: Any) -> None:
    member: Any = MembershipFactory(organization=organization)
    connection: Any = NetworkConnectionFactory(
        membership=member, access_token="plain-access-123", refresh_token="plain-refresh-456"
    )
    stored_access = raw(NetworkConnection, connection.pk, "access_token")
    stored_refresh = raw(NetworkConnection, connection.pk, "refresh_token")
    assert "plain-access-123" not in stored_access
    assert "plain-refresh-456" not in stored_refresh
    assert stored_access.startswith(crypto.PREFIX)
    loaded = NetworkConnection.objects.get(pk=connection.pk)
    assert loaded.access_token == "plain-access-123"
    assert loaded.refresh_token == "plain-refresh-456"


def test_app_secrets_are_stored_encrypted(organization: Any, keys: Any) -> None:
    row = NetworkSettings.objects.create(
        organization=organization, network="linkedin", client_secret="app-secret-789"
    )
    assert "app-secret-789" not in raw(NetworkSettings, row.pk, "client_secret")
    assert NetworkSettings.objects.get(pk=row.pk).client_secret == "app-secret-789"


def test_the_same_secret_encrypts_differently_each_time(keys: Any) -> None:
    assert crypto.encrypt("same") != crypto.encrypt("same")
    assert crypto.decrypt(crypto.encrypt("same")) == "same"


def test_empty_values_stay_empty(keys: Any) -> None:
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""


def test_plain_text_in_an_encrypted_column_is_refused(keys: Any) -> None:
    with pytest.raises(crypto.DecryptionError, match="not encrypted"):
        crypto.decrypt("plain")


def test_a_value_no_key_opens_is_refused(settings: Any, keys: Any) -> None:
    stored = crypto.encrypt("secret")
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_keys()
    with pytest.raises(crypto.DecryptionError, match="No configured encryption key"):
        crypto.decrypt(stored)


def test_rotation_re_encrypts_every_column_with_the_newest_key(
    organization: Any, settings: Any, keys: list[str], capsys: Any
) -> None:
    old_key = keys[0]
    member: Any = MembershipFactory(organization=organization)
    connection: Any = NetworkConnectionFactory(membership=member, access_token="token-abc")
    row = NetworkSettings.objects.create(
        organization=organization, network="x", client_secret="secret-xyz"
    )
    before = raw(NetworkConnection, connection.pk, "access_token")

    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    crypto.reset_keys()
    call_command("rotate_encryption_keys")
    assert "Re-encrypted 2 value(s)" in capsys.readouterr().out
    after = raw(NetworkConnection, connection.pk, "access_token")
    assert after != before

    # The old key can now be dropped: everything still opens with the new one alone.
    settings.ENCRYPTION_KEYS = [new_key]
    crypto.reset_keys()
    assert NetworkConnection.objects.get(pk=connection.pk).access_token == "token-abc"
    assert NetworkSettings.objects.get(pk=row.pk).client_secret == "secret-xyz"
    assert Fernet(new_key.encode()).decrypt(after[len(crypto.PREFIX) :].encode()) == b"token-abc"


def test_without_keys_nothing_is_encrypted(settings: Any, keys: Any) -> None:
    settings.ENCRYPTION_KEYS = []
    crypto.reset_keys()
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEYS is empty"):
        crypto.encrypt("secret")


def test_every_secret_column_is_known_to_rotation() -> None:
    fields = {(model.__name__, name) for model, name in crypto.encrypted_fields()}
    assert {
        ("NetworkConnection", "access_token"),
        ("NetworkConnection", "refresh_token"),
        ("NetworkSettings", "client_secret"),
        ("MastodonApp", "client_secret"),
    } <= fields
