"""Re-encrypt every stored secret with the newest key in ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from chorus.core import crypto
from chorus.core.tenancy import runs_across_organizations


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the first key of ENCRYPTION_KEYS."

    @runs_across_organizations("every organization's encrypted tokens")
    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model, name in crypto.encrypted_fields():
            column = str(model._meta.get_field(name).column)  # type: ignore[union-attr]
            # Read and write the raw ciphertext: the field itself would decrypt on load.
            rows = model._default_manager.exclude(**{name: ""}).values_list("pk", flat=True)
            for pk in rows.iterator():
                with transaction.atomic():
                    table = model._meta.db_table
                    with connection.cursor() as cursor:
                        quoted_table = connection.ops.quote_name(table)
                        quoted_column = connection.ops.quote_name(column)
                        cursor.execute(
                            f"SELECT {quoted_column} FROM {quoted_table} WHERE id = %s",  # noqa: S608
                            [pk],
                        )
                        (stored,) = cursor.fetchone()
                        if not stored:
                            continue
                        cursor.execute(
                            f"UPDATE {quoted_table} SET {quoted_column} = %s WHERE id = %s",  # noqa: S608
                            [crypto.rotate(stored), pk],
                        )
                        total += 1
        total += self._rotate_authenticators()
        self.stdout.write(f"Re-encrypted {total} value(s) with the newest key.")

    def _rotate_authenticators(self) -> int:
        """allauth's two-step sign-in keeps its secrets inside a JSON column (a TOTP secret,
        the recovery codes' seed), encrypted by chorus.identity.mfa's adapter."""
        if not apps.is_installed("allauth.mfa"):
            return 0
        authenticator_model = apps.get_model("mfa", "Authenticator")
        total = 0
        for authenticator in authenticator_model.objects.iterator():
            data = dict(authenticator.data)
            keys = [
                key
                for key in ("secret", "seed")
                if isinstance(data.get(key), str) and data[key].startswith(crypto.PREFIX)
            ]
            if not keys:
                continue
            for key in keys:
                data[key] = crypto.rotate(data[key])
            authenticator_model.objects.filter(pk=authenticator.pk).update(data=data)
            total += len(keys)
        return total
