"""Data keys (lib/encryption.py) and their rotation (`manage.py rotate_keys`), on real rows.

Every encrypted column of every table, the audit copies included, is written under one key,
rotated to another, and read back with the old key gone.
"""

import datetime
import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core import signing
from django.core.management import CommandError, call_command
from django.db import connection
from encrypted_fields.fields import EncryptedTextField as LibraryEncryptedTextField

from cases.models import Detention, Event, ReleaseClaim, ReleaseClaimName, Source
from lib.encryption import UndecryptableValue
from lib.management.commands.rotate_keys import encrypted_tables
from registry.models import InformationSubmission, Person
from tests import factories

pytestmark = pytest.mark.django_db

OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))


def use_keys(settings, current: str, *fallbacks: str) -> None:
    settings.FIELD_ENCRYPTION_KEY = current
    settings.FIELD_ENCRYPTION_KEY_FALLBACKS = list(fallbacks)


def stored_values() -> dict[tuple[str, str, int], str]:
    """Every non-null ciphertext of every encrypted column: {(table, column, pk): token}."""
    values = {}
    with connection.cursor() as cursor:
        for model, fields in encrypted_tables():
            table, pk = model._meta.db_table, model._meta.pk.column
            for field in fields:
                cursor.execute(
                    f'SELECT "{pk}", "{field.column}" FROM "{table}" '  # noqa: S608
                    f'WHERE "{field.column}" IS NOT NULL'
                )
                values.update(((table, field.column, row_pk), token) for row_pk, token in cursor)
    return values


def decrypt(key: str, token: str) -> str:
    return Fernet(key).decrypt(token.encode()).decode()


def case_records(tag: str) -> dict:
    """One record of each model with encrypted fields, each field filled."""
    person = factories.person(
        national_id="V-12345678" if tag == "a" else "V-87654321",
        private_notes=f"notas {tag}",
        family_contacts=f"madre {tag}",
    )
    detention = Detention.objects.create(
        person=person, arrested_on=datetime.date(2025, 1, 1), private_notes=f"detención {tag}"
    )
    Event.objects.create(
        person=person,
        occurred_on=datetime.date(2025, 1, 2),
        kind="hearing",
        private_description=f"audiencia {tag}",
    )
    Source.objects.create(kind="lawyer", title="Abogado", confidential_details=f"abogado {tag}")
    claim = ReleaseClaim.objects.create(
        announced_on=datetime.date(2026, 1, 9), claimant="X", claimed_count=3
    )
    ReleaseClaimName.objects.create(claim=claim, published_name="N", national_id="9876543")
    InformationSubmission.objects.create(
        about_name="N", message=f"mensaje {tag}", contact=f"contacto {tag}"
    )
    person.private_notes += " (editada)"  # an update: a second audit row
    person.save()
    return {"person": person.pk, "detention": detention.pk}


def test_rotation_reencrypts_every_encrypted_column_and_its_audit_copies(settings):
    use_keys(settings, OLD)
    ids = case_records("a")
    before = stored_values()
    plain = {where: decrypt(OLD, token) for where, token in before.items()}
    tables = {table for table, _column, _pk in before}
    assert len(tables) == len(encrypted_tables()) == 12  # every one holds a value to rotate

    use_keys(settings, NEW, OLD)
    out = io.StringIO()
    call_command("rotate_keys", batch_size=2, stdout=out)

    after = stored_values()
    # The records' rotation is audited: new audit rows, under the new key too.
    assert set(before) < set(after)
    for where, token in after.items():
        with pytest.raises(InvalidToken):
            decrypt(OLD, token)
        assert decrypt(NEW, token) == plain.get(where, decrypt(NEW, token)), where
    # The old key gone, everything still reads, through the records and their history.
    use_keys(settings, NEW)
    person = Person.objects.get(pk=ids["person"])
    assert (person.national_id, person.private_notes) == ("V-12345678", "notas a (editada)")
    assert Detention.objects.get(pk=ids["detention"]).private_notes == "detención a"
    history = list(person.audit_rows.order_by("pgh_id"))
    assert [row.private_notes for row in history] == [
        "notas a",
        "notas a (editada)",
        "notas a (editada)",
    ]
    assert history[-1].pgh_context.metadata["reason"] == "rotate_keys"
    call_command("rotate_keys", check=True, stdout=io.StringIO())  # nothing left


def test_a_second_run_writes_nothing_and_an_interrupted_one_resumes(settings):
    use_keys(settings, OLD)
    case_records("a")
    use_keys(settings, NEW, OLD)
    with pytest.raises(CommandError, match="not under the current key"):
        call_command("rotate_keys", check=True, stdout=io.StringIO())
    # Rows written since the new key came in: what a run that stopped had done already.
    case_records("b")
    before = stored_values()
    done = {where: token for where, token in before.items() if _is(NEW, token)}
    assert done and len(done) < len(before)

    call_command("rotate_keys", batch_size=3, stdout=io.StringIO())
    rotated = stored_values()
    assert {where: rotated[where] for where in done} == done  # left as they were
    assert all(_is(NEW, token) for token in rotated.values())

    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert stored_values() == rotated
    lines = out.getvalue().splitlines()
    assert len(lines) == 12 and all(" 0 re-encrypted," in line for line in lines)


def _is(key: str, token: str) -> bool:
    try:
        decrypt(key, token)
    except InvalidToken:
        return False
    return True


def test_values_no_key_opens_fail_the_command_and_are_left_untouched(settings):
    use_keys(settings, LOST)
    lost = factories.person(private_notes="escrita con una clave perdida")
    use_keys(settings, OLD)
    kept = factories.person(private_notes="legible")
    lost_token = stored_values()[("registry_person", "private_notes", lost.pk)]

    use_keys(settings, NEW, OLD)
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_keys", stdout=io.StringIO())
    values = stored_values()
    assert values[("registry_person", "private_notes", lost.pk)] == lost_token
    assert decrypt(NEW, values[("registry_person", "private_notes", kept.pk)]) == "legible"
    # Reading it fails loudly, rather than showing the ciphertext (a save would encrypt it again).
    with pytest.raises(UndecryptableValue, match="registry.Person.private_notes"):
        Person.objects.get(pk=lost.pk)


def test_data_under_the_key_derived_from_secret_key_is_read_then_rotated(settings):
    """The migration path: values written before FIELD_ENCRYPTION_KEY existed, by the library
    with its key derived from SECRET_KEY and FIELD_ENCRYPTION_SALT."""
    use_keys(settings, NEW)
    person = factories.person()
    settings.SALT_KEY = ["sal-antigua"]  # what the library read
    legacy_token = LibraryEncryptedTextField().get_prep_value("nota de antes")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person SET private_notes = %s WHERE id = %s", [legacy_token, person.pk]
        )
    with pytest.raises(UndecryptableValue):
        Person.objects.get(pk=person.pk)

    settings.FIELD_ENCRYPTION_LEGACY_SALTS = ["sal-antigua"]
    assert Person.objects.get(pk=person.pk).private_notes == "nota de antes"
    call_command("rotate_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_LEGACY_SALTS = []
    assert Person.objects.get(pk=person.pk).private_notes == "nota de antes"
    token = stored_values()[("registry_person", "private_notes", person.pk)]
    assert decrypt(NEW, token) == "nota de antes"


def test_the_data_key_does_not_depend_on_the_secret_key(settings):
    original = settings.SECRET_KEY
    person = factories.person(national_id="V-12345678", family_contacts="madre")
    signed = signing.dumps("sesión")
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = []
    person.refresh_from_db()
    assert (person.national_id, person.family_contacts) == ("V-12345678", "madre")
    with pytest.raises(signing.BadSignature):
        signing.loads(signed)
    settings.SECRET_KEY_FALLBACKS = [original]
    assert signing.loads(signed) == "sesión"
