"""Case import, increment 2 (issue #6): release columns, records already in the registry,
batched writes that derive what the services derive, within-file repeats, the uploaded file's
lifetime, and the sweeper for jobs whose worker died."""

import datetime
import os

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import ConditionKind, Detention, Release, ReleaseKind, Source
from cases.services import person_refresh_status, release_record, release_verify
from imports import services
from imports.models import ImportJob, ImportState
from imports.tasks import sweep_stale_imports
from lib.vocabulary import PersonStatus
from registry.models import Person, RecordState
from tests import factories
from tests.imports.conftest import committed, csv_bytes, make_job, row, validated

pytestmark = pytest.mark.django_db


def codes(job: ImportJob) -> set[tuple]:
    return {(error["row"], error["column"], error["code"]) for error in job.errors}


def test_a_reported_release_is_recorded_unverified_and_changes_no_status(documentalista, reference):
    data = csv_bytes(
        [
            row(
                released_on="08/01/2026",
                release_conditions="presentación cada 30 días; prohibición de salida del país",
            ),
            row(
                given_names="Luis",
                first_surname="Libre",
                released_on="2026-01-09",
                release_kind="incondicional",
            ),
        ]
    )
    job = committed(validated(data), documentalista.user)
    assert job.state == ImportState.COMMITTED, job.errors
    ana = Person.objects.get(given_names="Ana")
    release = Release.objects.get(detention__person=ana)
    assert (release.released_on, release.kind, release.verified) == (
        datetime.date(2026, 1, 8),
        ReleaseKind.PRECAUTIONARY_MEASURES,
        False,
    )
    conditions = {(c.kind, c.interval_days, c.starts_on) for c in release.conditions.all()}
    assert conditions == {
        (ConditionKind.PERIODIC_PRESENTATION, 30, datetime.date(2026, 1, 8)),
        (ConditionKind.TRAVEL_BAN, None, datetime.date(2026, 1, 8)),
    }
    # A claim until verified: still detained, the detention still open.
    assert ana.current_status == PersonStatus.DETAINED
    assert Detention.objects.get(person=ana).is_open
    assert Release.objects.get(detention__person__given_names="Luis").kind == "unconditional"


def test_release_cells_are_checked(documentalista, reference):
    data = csv_bytes(
        [
            row(release_conditions="fianza"),  # 2: conditions without a release date
            row(given_names="B", released_on="2024-05-01"),  # 3: before the arrest (2024-05-10)
            row(given_names="C", released_on="2026-01-08", release_conditions="presentación"),
            row(given_names="D", released_on="2026-01-08", release_conditions="destierro"),
            row(given_names="E", released_on="2026-01-08", release_kind="fuga"),
        ]
    )
    job = validated(data)
    assert codes(job) == {
        (2, "Condiciones", "release_needs_date"),
        (3, "Fecha de excarcelación", "release_before_arrest"),
        (4, "Condiciones", "condition_interval"),
        (5, "Condiciones", "invalid_condition"),
        (6, "Tipo de excarcelación", "invalid_kind"),
    }
    assert not job.can_commit


def test_batched_rows_derive_what_the_services_derive(documentalista, reference):
    data = csv_bytes(
        [
            row(birth_date="2010-03-01", arrested_on="2024-05-10"),  # a minor at detention
            row(given_names="Luis", first_surname="Sin", facility=""),
            row(
                given_names="Eva",
                first_surname="Mes",
                arrested_on="03/2024",
                released_on="2025-01-01",
                release_conditions="arresto domiciliario",
            ),
        ]
    )
    committed(validated(data), documentalista.user)
    fields = [
        "current_status",
        "current_facility_id",
        "detained_since",
        "detained_since_precision",
        "minor_at_detention",
        "slug",
        "birth_year",
    ]
    for person in Person.objects.all():
        imported = [getattr(person, field) for field in fields]
        refreshed = person_refresh_status(person=person)
        refreshed.refresh_from_db()
        assert imported == [getattr(refreshed, field) for field in fields], person
    assert Person.objects.get(given_names="Ana").minor_at_detention


def test_the_same_person_twice_in_a_file_is_an_error(documentalista, reference):
    job = validated(csv_bytes([row(), row(facility=""), row(arrested_on="2024-06-01")]))
    assert codes(job) == {(3, "Nombres", "repeated_person")}


def test_an_import_completes_a_draft_and_reports_contradictions(documentalista, reference):
    first = committed(
        validated(csv_bytes([row(national_id="V-11222333", sex="")])), documentalista.user
    )
    assert first.counts["created"] == 1
    person = Person.objects.get()
    version = person.version

    more = csv_bytes(
        [
            row(
                national_id="V-11222333",
                sex="F",
                birth_date="1990-02-14",
                charges="Treason",
                released_on="2026-01-08",
                source_url="https://example.org/nueva",
                source_kind="prensa",
            )
        ]
    )
    job = validated(more)
    assert (job.counts["new"], job.counts["updated"], job.counts["conflicts"]) == (0, 1, 0)
    [update] = job.counts["updates"]
    assert update["pk"] == person.pk and len(update["changes"]) == 5
    assert Person.objects.get().version == version  # the check writes nothing

    job = committed(job, documentalista.user)
    assert job.state == ImportState.COMMITTED, job.errors
    person.refresh_from_db()
    assert (person.sex, person.birth_date) == ("female", datetime.date(1990, 2, 14))
    detention = person.detentions.get()
    assert list(detention.charges.all()) == [reference["charge"]]
    assert not detention.release.verified
    assert Source.objects.filter(person=person, url="https://example.org/nueva").exists()
    assert person.record_state == RecordState.DRAFT
    assert person.audit_rows.last().pgh_context.metadata["reason"] == f"import #{job.pk}"

    # Again: nothing more to add. A contradiction is reported and not applied.
    again = validated(csv_bytes([row(national_id="V-11222333", sex="M")]))
    assert (again.counts["updated"], again.counts["conflicts"]) == (0, 1)
    assert "otro sexo" in " ".join(again.counts["updates"][0]["conflicts"])
    committed(again, documentalista.user)
    person.refresh_from_db()
    assert person.sex == "female"


def test_an_import_never_changes_a_published_record(documentalista, reference):
    published = factories.published_person(
        given_names="Ana", first_surname="Prueba", second_surname="", national_id="V-5554443"
    )
    factories.detained(published, on=datetime.date(2024, 5, 10), place=reference["facility"])
    version = Person.objects.get(pk=published.pk).version
    job = validated(csv_bytes([row(national_id="5554443", charges="Treason", sex="F")]))
    assert (job.counts["updated"], job.counts["conflicts"]) == (0, 1)
    assert "no lo modifica" in job.counts["updates"][0]["conflicts"][0]
    committed(job, documentalista.user)
    published.refresh_from_db()
    assert published.version == version and published.sex == "unknown"
    assert not published.detentions.get().charges.exists()


def test_a_new_arrest_of_someone_released_opens_a_new_detention(documentalista, reference):
    person = factories.person(
        given_names="Ana", first_surname="Prueba", second_surname="", national_id="V-7654321"
    )
    detention = factories.detained(person, on=datetime.date(2020, 1, 5))
    release_verify(
        release=release_record(
            detention=detention, released_on=datetime.date(2021, 1, 1), kind="unconditional"
        ),
        by=factories.verifier(),
    )
    job = committed(validated(csv_bytes([row(national_id="7654321")])), documentalista.user)
    assert job.counts["updated_at_commit"] == 1
    person.refresh_from_db()
    assert person.detentions.count() == 2
    assert person.current_status == PersonStatus.DETAINED
    assert person.current_facility == reference["facility"]


def test_the_uploaded_file_is_deleted_once_committed(documentalista, reference):
    job = validated(csv_bytes([row(national_id="V-12345678")]))
    path = job.file.path
    with open(path, "rb") as handle:
        assert b"12345678" in handle.read()
    job = committed(job, documentalista.user)
    job.refresh_from_db()
    assert not job.file
    assert not os.path.exists(path)


def _stale(job: ImportJob, *, state: str, attempts: int, user=None) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        state=state,
        attempts=attempts,
        confirmed_by=user,
        updated_at=timezone.now() - datetime.timedelta(hours=1),
    )


def test_the_sweeper_requeues_a_job_whose_worker_died(documentalista, reference):
    checking = make_job(csv_bytes([row()]))
    _stale(checking, state=ImportState.VALIDATING, attempts=1)
    confirmed = validated(csv_bytes([row(given_names="Luis", first_surname="Otro")]))
    _stale(confirmed, state=ImportState.COMMITTING, attempts=1, user=documentalista.user)
    fresh = make_job(csv_bytes([row(given_names="Eva")]))
    ImportJob.objects.filter(pk=fresh.pk).update(state=ImportState.VALIDATING, attempts=1)

    assert sweep_stale_imports.delay().get() == 2  # tasks run in-process here
    for job in (checking, confirmed, fresh):
        job.refresh_from_db()
    assert checking.state == ImportState.VALIDATED and checking.attempts == 2
    assert confirmed.state == ImportState.COMMITTED
    assert Person.objects.filter(given_names="Luis").count() == 1
    assert fresh.state == ImportState.VALIDATING  # still working: left alone


def test_the_sweeper_gives_up_after_three_attempts(documentalista, reference):
    job = validated(csv_bytes([row()]))
    _stale(job, state=ImportState.COMMITTING, attempts=3, user=documentalista.user)
    assert sweep_stale_imports.delay().get() == 0
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert (
        job.errors[0]["code"] == "worker_lost" and "no se escribió nada" in job.errors[0]["message"]
    )
    assert not job.file and Person.objects.count() == 0


def test_files_of_imports_never_committed_are_deleted_after_the_retention(settings, reference):
    job = validated(csv_bytes([row(national_id="V-12345678")]))
    services.import_sweep(now=timezone.now() + datetime.timedelta(days=6))
    job.refresh_from_db()
    assert job.file
    services.import_sweep(now=timezone.now() + datetime.timedelta(days=8))
    job.refresh_from_db()
    assert not job.file
    # The cédula was only ever in the file, never on the job's row.
    assert "12345678" not in str(job.counts) + str(job.errors) + str(job.matches)


def test_every_row_written_in_bulk_is_audited_with_the_import(documentalista, reference):
    data = csv_bytes(
        [
            row(
                national_id="V-12345678",
                charges="Treason",
                released_on="2026-01-08",
                release_conditions="fianza",
                source_url="https://example.org/a",
                source_kind="prensa",
                notes="nota privada",
            )
        ]
    )
    job = committed(validated(data), documentalista.user)
    person = Person.objects.get()
    detention = person.detentions.get()
    records = [
        person,
        detention,
        detention.stays.get(),
        detention.detention_charges.get(),
        detention.release,
        detention.release.conditions.get(),
        Source.objects.get(person=person),
    ]
    for record in records:
        [audit] = record.audit_rows.all()
        assert audit.pgh_label == "insert", record
        assert audit.pgh_context.metadata["reason"] == f"import #{job.pk}", record
    # Encrypted as a save encrypts: readable through the model, not stored in clear.
    assert person.national_id == "V-12345678" and person.private_notes == "nota privada"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT national_id, private_notes FROM registry_person WHERE id = %s", [person.pk]
        )
        stored = cursor.fetchone()
    assert "12345678" not in stored[0] and "nota" not in stored[1]
