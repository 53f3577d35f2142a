"""Re-encrypt every encrypted value under the current FIELD_ENCRYPTION_KEY (docs/deployment.md).

Rotation: put the new key in FIELD_ENCRYPTION_KEY and the old one first in
FIELD_ENCRYPTION_KEY_FALLBACKS, restart, run this; once `rotate_keys --check` finds nothing left,
remove the old key. Every table with an encrypted column is walked in primary-key order, a batch
per transaction, the audit-trail copies included (an old key would otherwise still open them):

- a value the current key already decrypts is left as it is, so a run that stopped half-way
  is resumed by running it again, and a second run writes nothing;
- each value is written back only if the row still holds the ciphertext read (a save in
  between encrypted it with the current key already);
- a value that no configured key decrypts is left untouched and reported, and the command fails.

Only ciphertext changes, never a value. The records' own updates are audited like any other,
with the reason "rotate_keys"; on the append-only audit copies the ciphertext is replaced in
place (their append-only trigger is set aside for that statement alone).
"""

import contextlib
import dataclasses

import pgtrigger
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from encrypted_fields.fields import EncryptedFieldMixin
from pghistory.models import Event

from lib.audit import audit_reason
from lib.encryption import DataKeys, EncryptedTextField, data_keys

# Session advisory lock: one rotation at a time.
ROTATION_LOCK = 6_000_002


@dataclasses.dataclass
class Tally:
    rotated: int = 0  # values re-encrypted
    current: int = 0  # values already under the current key
    changed: int = 0  # rows changed by someone else meanwhile (already under the current key)
    unreadable: int = 0  # values no configured key decrypts


def encrypted_tables() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every model with encrypted columns, records before their audit copies."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if not fields:
            continue
        foreign = [f.name for f in fields if not isinstance(f, EncryptedTextField)]
        if foreign:
            raise CommandError(
                f"{model._meta.label}: {', '.join(foreign)} use another encryption than "
                "lib.encryption.EncryptedTextField, which this command cannot rotate."
            )
        found.append((model, fields))
    return sorted(found, key=lambda item: (issubclass(item[0], Event), item[0]._meta.label))


def _append_only_set_aside(model: type[models.Model]):
    """The model's append-only triggers ignored (pgtrigger.ignore() alone would ignore all)."""
    uris = [
        f"{model._meta.label}:{trigger.name}"
        for trigger in getattr(model._meta, "triggers", [])
        if isinstance(trigger, pgtrigger.Protect)
    ]
    return pgtrigger.ignore(*uris) if uris else contextlib.nullcontext()


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under FIELD_ENCRYPTION_KEY, reading with the keys of "
        "FIELD_ENCRYPTION_KEY_FALLBACKS. Resumable: run it again after an interruption."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (500)."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only count the values not yet under the current key; fail if there are any.",
        )

    def handle(self, *args, batch_size: int, check: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        keys = data_keys()
        tables = encrypted_tables()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ROTATION_LOCK])
            if not cursor.fetchone()[0]:
                raise CommandError("Another rotate_keys is running.")
        try:
            tallies = {
                model._meta.db_table: self._walk(model, fields, keys, batch_size, check)
                for model, fields in tables
            }
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ROTATION_LOCK])
        self._report(tallies, check)

    def _report(self, tallies: dict[str, Tally], check: bool) -> None:
        verb = "to re-encrypt" if check else "re-encrypted"
        for table, tally in tallies.items():
            self.stdout.write(
                f"{table}: {tally.rotated} {verb}, {tally.current} already under the current "
                f"key, {tally.changed} changed meanwhile, {tally.unreadable} unreadable"
            )
        unreadable = sum(tally.unreadable for tally in tallies.values())
        if unreadable:
            raise CommandError(
                f"{unreadable} values cannot be decrypted with FIELD_ENCRYPTION_KEY or its "
                "fallbacks and were left as they are: add the key they were written with to "
                "FIELD_ENCRYPTION_KEY_FALLBACKS and run rotate_keys again."
            )
        left = sum(tally.rotated + tally.changed for tally in tallies.values())
        if check and left:
            raise CommandError(f"{left} values are not under the current key yet: run rotate_keys.")

    def _walk(self, model, fields, keys: DataKeys, batch_size: int, check: bool) -> Tally:
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        columns = [quote(field.column) for field in fields]
        any_value = " OR ".join(f"{column} IS NOT NULL" for column in columns)
        select = (
            f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608 - names, not input
            f"WHERE {pk} > %s AND ({any_value}) ORDER BY {pk} LIMIT %s"
        )
        tally, last = Tally(), None
        while True:
            with connection.cursor() as cursor:
                cursor.execute(select, [last if last is not None else -1, batch_size])
                rows = cursor.fetchall()
            if not rows:
                return tally
            last = rows[-1][0]
            updates = [
                update
                for row in rows
                if (update := self._reencrypted(row, keys, tally)) is not None
            ]
            if check:
                tally.rotated += sum(len(new) for _pk, _old, new in updates)
            elif updates:
                self._write(model, table, pk, columns, updates, tally)

    @staticmethod
    def _reencrypted(row: tuple, keys: DataKeys, tally: Tally):
        """(pk, old values, {column index: new ciphertext}) for a row with stale values."""
        pk, *values = row
        new = {}
        for index, token in enumerate(values):
            if token is None:
                continue
            if keys.is_current(token):
                tally.current += 1
                continue
            try:
                new[index] = keys.encrypt(keys.decrypt(token))
            except InvalidToken:
                tally.unreadable += 1
        return (pk, values, new) if new else None

    @staticmethod
    def _write(model, table: str, pk: str, columns: list[str], updates, tally: Tally) -> None:
        with (
            transaction.atomic(),
            audit_reason("rotate_keys"),
            _append_only_set_aside(model),
            connection.cursor() as cursor,
        ):
            for row_pk, old, new in updates:
                assignments = ", ".join(f"{columns[index]} = %s" for index in new)
                # Written only if the row still holds what was read.
                unchanged = " AND ".join(f"{column} IS NOT DISTINCT FROM %s" for column in columns)
                cursor.execute(
                    f"UPDATE {table} SET {assignments} "  # noqa: S608 - names, not input
                    f"WHERE {pk} = %s AND {unchanged}",
                    [*new.values(), row_pk, *old],
                )
                if cursor.rowcount:
                    tally.rotated += len(new)
                else:
                    tally.changed += len(new)
