"""Bulk import, increment 1 (issue #6): validate, preview, commit, idempotence, bad files."""

import io
import random

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from cases.models import Detention, Source
from imports.models import ImportJob, ImportState
from imports.tasks import commit_import, validate_import
from lib.national_id import national_id_hash
from registry.models import Person, RecordState
from tests import factories
from tests.imports.conftest import committed, csv_bytes, make_job, row, validated

pytestmark = pytest.mark.django_db


def errors_by_cell(job: ImportJob) -> set[tuple]:
    return {(error["row"], error["column"], error["code"]) for error in job.errors}


def test_happy_path_through_the_staff_pages(
    documentalista, reference, django_capture_on_commit_callbacks
):
    data = csv_bytes(
        [
            row(
                national_id="V-12.345.678",
                charges="Treason",
                source_url="https://example.org/a",
                source_kind="prensa",
            ),
            row(given_names="Luis", first_surname="Otro", sex="masculino", facility="el rodeo uno"),
            row(given_names="Eva", first_surname="Tercera", arrested_on="03/2024", facility=""),
        ]
    )
    upload = io.BytesIO(data)
    upload.name = "casos.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = documentalista.post(reverse("imports:upload"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert job.state == ImportState.VALIDATED, job.errors
    assert job.errors == []
    assert job.rows_total == job.rows_done == 3
    assert job.counts["new"] == 3 and job.counts["unchanged"] == 0
    assert Person.objects.count() == 0  # the dry run writes nothing

    page = documentalista.get(reverse("imports:detail", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("imports:confirm", args=[job.pk]).encode() in page.content

    with django_capture_on_commit_callbacks(execute=True):
        documentalista.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.COMMITTED
    assert job.counts["created"] == 3
    people = Person.objects.order_by("given_names")
    assert [p.given_names for p in people] == ["Ana", "Eva", "Luis"]
    assert {p.record_state for p in people} == {RecordState.DRAFT}
    assert {p.created_by for p in people} == {documentalista.user}
    ana = people.get(given_names="Ana")
    assert ana.national_id_hash == national_id_hash("12345678")
    assert ana.current_facility == reference["facility"]
    detention = ana.detentions.get()
    assert list(detention.charges.all()) == [reference["charge"]]
    assert Source.objects.get(person=ana).url == "https://example.org/a"
    luis = people.get(given_names="Luis")
    assert luis.sex == "male" and luis.current_facility == reference["facility"]
    eva = Detention.objects.get(person__given_names="Eva")
    assert (eva.arrested_on.isoformat(), eva.arrested_on_precision) == ("2024-03-01", "month")
    for person in people:
        audit = person.audit_rows.order_by("pgh_id").first()
        assert audit.pgh_context.metadata["reason"] == f"import #{job.pk}"
    audit = detention.audit_rows.order_by("pgh_id").first()
    assert audit.pgh_context.metadata["reason"] == f"import #{job.pk}"


def test_the_status_fragment_polls_while_in_progress(documentalista, reference):
    job = make_job(csv_bytes([row()]))
    fragment = documentalista.get(
        reverse("imports:detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment
    validate_import.delay(job.pk)
    fragment = documentalista.get(
        reverse("imports:detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in fragment and "<progress" not in fragment


def test_reimporting_the_same_file_changes_nothing(documentalista, reference):
    data = csv_bytes([row(national_id="V-12345678"), row(given_names="Luis", first_surname="Otro")])
    first = committed(validated(data), documentalista.user)
    assert first.counts["created"] == 2
    before = (Person.objects.count(), Detention.objects.count())
    versions = sorted(Person.objects.values_list("version", flat=True))

    again = validated(data)
    assert again.counts["new"] == 0 and again.counts["unchanged"] == 2
    again = committed(again, documentalista.user)
    assert again.state == ImportState.COMMITTED and again.counts["created"] == 0
    assert (Person.objects.count(), Detention.objects.count()) == before
    assert sorted(Person.objects.values_list("version", flat=True)) == versions


def test_tasks_are_no_ops_past_their_state(documentalista, reference):
    job = committed(validated(csv_bytes([row()])), documentalista.user)
    assert validate_import.delay(job.pk).get() == "skipped"
    assert commit_import.delay(job.pk, documentalista.user.pk).get() == "skipped"
    assert Person.objects.count() == 1


def test_every_bad_row_is_reported_and_nothing_is_written(documentalista, reference):
    data = csv_bytes(
        [
            row(),  # 2: fine
            row(arrested_on="31/02/2024"),  # 3
            row(facility="Cárcel inventada"),  # 4
            row(sex="quizá"),  # 5
            row(given_names=""),  # 6
            row(national_id="V-12"),  # 7
            row(arrested_on="mañana"),  # 8
            row(charges="Delito inexistente"),  # 9
            row(source_url="https://example.org", source_kind=""),  # 10
        ]
    )
    with translation.override("en"):
        job = validated(data)
    assert job.state == ImportState.VALIDATED
    assert errors_by_cell(job) == {
        (3, "Fecha de detención", "invalid_date"),
        (4, "Centro de reclusión", "unknown_facility"),
        (5, "Sexo", "invalid_sex"),
        (6, "Nombres", "required"),
        (7, "Cédula", "invalid_national_id"),
        (8, "Fecha de detención", "invalid_date"),
        (9, "Cargos", "unknown_charge"),
        (10, "Tipo de fuente", "required"),
    }
    messages = {error["row"]: error["message"] for error in job.errors}
    assert "is not a date" in messages[3]
    assert "No facility in the registry" in messages[4]
    assert job.counts["rows_with_errors"] == 8
    assert not job.can_commit

    page = documentalista.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Cárcel inventada" in page
    assert reverse("imports:confirm", args=[job.pk]) not in page
    response = documentalista.post(reverse("imports:confirm", args=[job.pk]))
    assert response.status_code == 302
    assert commit_import.delay(job.pk, documentalista.user.pk).get() == "skipped"
    job.refresh_from_db()
    assert job.state == ImportState.VALIDATED
    assert Person.objects.count() == 0 and Detention.objects.count() == 0


def test_a_repeated_cedula_within_the_file_is_an_error(documentalista, reference):
    job = validated(csv_bytes([row(national_id="12345678"), row(national_id="V-12.345.678")]))
    assert errors_by_cell(job) == {(3, "Cédula", "repeated_national_id")}


def test_a_commit_that_fails_midway_writes_nothing(documentalista, reference):
    job = validated(csv_bytes([row(), row(given_names="Luis", first_surname="Otro")]))
    assert job.can_commit
    # The facility is renamed after the check: the commit re-checks and refuses everything.
    reference["facility"].name = "Otro nombre"
    reference["facility"].aliases = []
    reference["facility"].save()
    with translation.override("en"):
        job = committed(job, documentalista.user)
    assert job.state == ImportState.FAILED
    assert [e["code"] for e in job.errors] == ["commit_failed"]
    assert "check it again" in job.errors[0]["message"]
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("encode", "label"),
    [
        (lambda text: text.encode("latin-1"), "latin-1"),
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "bom"),
        (lambda text: text.encode("cp1252"), "windows"),
    ],
)
def test_encodings(documentalista, reference, encode, label):
    text = csv_bytes([row(given_names="José Ñúñez", first_surname="Peña")]).decode()
    job = validated(encode(text))
    assert job.errors == [], label
    job = committed(job, documentalista.user)
    person = Person.objects.get()
    assert (person.given_names, person.first_surname) == ("José Ñúñez", "Peña")


def test_semicolon_separator_and_english_headers_and_day_first_dates(documentalista, reference):
    data = csv_bytes(
        [
            row(
                arrested_on="10/05/2024",
                birth_date="14/02/1990",
                charges="Treason; Traición a la patria",
            )
        ],
        delimiter=";",
        language="en",
    )
    job = committed(validated(data), documentalista.user)
    assert job.state == ImportState.COMMITTED, job.errors
    person = Person.objects.get()
    assert person.birth_date.isoformat() == "1990-02-14"
    assert person.detentions.get().arrested_on.isoformat() == "2024-05-10"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        ("Nombres,Primer apellido,Fecha de detención\n".encode(), "no_rows"),
        ("Nombres,Primer apellido,Fecha de detención\n,,\n".encode(), "no_rows"),
        (bytes(range(256)) * 4, "not_text"),
        (b"\x00\x01PNG garbage\xff\xfe", "not_text"),
        (b"foo,bar\n1,2\n", "unknown_columns"),
        ("Nombres,Fecha de detención\nAna,2024-01-01\n".encode(), "missing_columns"),
        ("Nombres,Nombre,Primer apellido,Fecha de detención\n".encode(), "repeated_columns"),
        (b"PK\x03\x04 not really a spreadsheet", "bad_xlsx"),
    ],
)
def test_bad_files_get_a_clear_message_and_write_nothing(data, code, reference):
    with translation.override("en"):
        job = validated(data)
    assert job.state == ImportState.FAILED
    assert [(e["row"], e["code"]) for e in job.errors] == [(None, code)]
    assert job.errors[0]["message"]
    assert Person.objects.count() == 0


@override_settings(IMPORT_MAX_BYTES_WITHOUT_WORKER=20 * 1024 * 1024)  # as with a worker
def test_ten_megabytes_of_garbage_are_refused_as_a_whole(documentalista, reference):
    """Under the upload limit, so the reader itself must refuse it: one message, no rows."""
    garbage = random.Random(6).randbytes(10 * 1024 * 1024)
    upload = io.BytesIO(garbage)
    upload.name = "casos.csv"
    response = documentalista.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    validate_import.delay(job.pk)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert [(e["row"], e["code"]) for e in job.errors] == [(None, "not_text")]
    assert Person.objects.count() == 0 and not job.file


@override_settings(IMPORT_MAX_BYTES=200)
def test_oversized_files_are_refused_at_upload_and_by_the_reader(documentalista, reference):
    data = csv_bytes([row()] * 5)
    assert len(data) > 200
    upload = io.BytesIO(data)
    upload.name = "grande.csv"
    response = documentalista.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0
    job = validated(data)
    assert [e["code"] for e in job.errors] == ["too_large"]


def test_the_upload_refuses_other_file_types(documentalista):
    upload = io.BytesIO(b"Nombres\n")
    upload.name = "casos.pdf"
    response = documentalista.post(reverse("imports:upload"), {"file": upload})
    assert response.context["form"].has_error("file", "file_type")
    assert ImportJob.objects.count() == 0


def test_xlsx_first_sheet_is_used(documentalista, reference):
    import datetime

    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Casos"
    first.append(["Nombres", "Primer apellido", "Cédula", "Fecha de detención", "Centro"])
    first.append(["Ana", "Hoja", 12345678, datetime.datetime(2024, 5, 10), "Rodeo I"])
    second = workbook.create_sheet("Otra")
    second.append(["Nombres", "Primer apellido", "Fecha de detención"])
    second.append(["No", "Importar", "2024-01-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = committed(validated(buffer.getvalue(), "casos.xlsx"), documentalista.user)
    assert job.state == ImportState.COMMITTED, job.errors
    person = Person.objects.get()
    assert person.first_surname == "Hoja"
    assert person.national_id_hash == national_id_hash("12345678")
    assert person.detentions.get().arrested_on == datetime.date(2024, 5, 10)


def test_formula_injection_is_neutralised(documentalista, reference):
    data = csv_bytes(
        [
            {
                **row(),
                "arrest_place": '=HYPERLINK("http://evil.example","x")',
                "notes": "+cmd|' /C calc'!A0",
                "second_surname": "@SUM(A1)",
            }
        ]
    )
    job = committed(validated(data), documentalista.user)
    assert job.state == ImportState.COMMITTED, job.errors
    person = Person.objects.get()
    assert person.second_surname == "'@SUM(A1)"
    assert person.private_notes.startswith("'+cmd")
    assert person.detentions.get().arrest_place.startswith("'=HYPERLINK")


def test_likely_duplicates_are_counted(documentalista, reference):
    factories.person(given_names="Ana", first_surname="Prueba", second_surname="")
    job = validated(csv_bytes([row(arrested_on="2023-01-01")]))
    assert job.counts["new"] == 1 and job.counts["likely_duplicates"] == 1
    assert job.counts["duplicates"][0]["row"] == 2


def test_the_template_is_importable(documentalista, reference):
    response = documentalista.get(reverse("imports:template"))
    assert response["Content-Type"].startswith("text/csv")
    data = b"".join(response)
    assert data.decode("utf-8-sig").startswith("Nombres,Primer apellido")
    job = validated(data)
    assert job.errors == [] and job.counts["new"] == 1
    committed(job, documentalista.user)
    person = Person.objects.get()
    detention = person.detentions.get()
    assert person.categories == ["student"] and person.sex == "female"
    assert person.birth_date.isoformat() == "1990-02-14"
    assert (detention.arrest_state, detention.arresting_agency) == ("miranda", "sebin")
    assert (detention.arrested_on.isoformat(), detention.arrested_on_precision) == (
        "2024-03-01",
        "month",
    )
    assert person.current_status == "detained" and person.current_facility is None
    assert Source.objects.get(person=person).kind == "press"
