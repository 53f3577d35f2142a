"""Reconciliation of an outside list of released people (issue #6): matching by cédula, then by
name; staff confirmation; the release claim and its names; the report."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import MatchStatus, ReleaseClaim, ReleaseClaimName
from cases.services import release_record, release_verify
from imports.models import ImportJob, ImportKind, ImportState
from registry.models import RecordState
from tests import factories

pytestmark = pytest.mark.django_db


def list_csv(rows: list[dict]) -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Nombre completo", "Cédula", "Fecha de excarcelación"])
    for values in rows:
        writer.writerow([values.get("name", ""), values.get("id", ""), values.get("date", "")])
    upload = io.BytesIO(buffer.getvalue().encode())
    upload.name = "lista-oficial.csv"
    return upload


@pytest.fixture
def registry(db):
    place = factories.facility(name="El Helicoide")
    people = {}
    for key, names, national_id in [
        ("ana", ("Ana Lucía", "Rivas", "Mora"), "V-10100100"),
        ("jose_gomez", ("José", "Pérez", "Gómez"), None),
        ("jose_diaz", ("José", "Pérez", "Díaz"), None),
        ("carmen", ("Carmen Elena", "Bracho", "Tovar"), None),
        ("luis", ("Luis", "Mendoza", "Ruiz"), None),
        ("pedro", ("Pedro", "Infante", "Sosa"), None),
    ]:
        given, first, second = names
        person = factories.person(
            given_names=given, first_surname=first, second_surname=second, national_id=national_id
        )
        factories.detained(person, on=datetime.date(2024, 8, 1), place=place)
        people[key] = person
    release = release_record(
        detention=people["carmen"].detentions.get(),
        released_on=datetime.date(2026, 1, 8),
        kind="precautionary_measures",
    )
    release_verify(release=release, by=factories.verifier())
    for person in people.values():
        person.refresh_from_db()
    return people


OFFICIAL_LIST = [
    {"name": "ANA LUCIA RIVAS", "id": "10.100.100"},  # 2: the cédula decides
    {"name": "José Pérez"},  # 3: two records fit equally
    {"name": "Carmen Elena Bracho Tovar", "date": "08/01/2026"},  # 4: exact name
    {"name": "Wilfredo Sarmiento Lozada"},  # 5: nobody
    {"name": "Luis Alberto Mendoza Ruiz"},  # 6: a given name the registry does not have
    {"name": '=HYPERLINK("http://x")'},  # 7: a formula, kept as text
]


def upload_list(client, capture, rows=OFFICIAL_LIST, **claim) -> ImportJob:
    fields = {
        "announced_on": "2026-01-09",
        "claimant": "Ministro de Servicio Penitenciario",
        "claimed_count": "116",
        "scope": "excarcelados en las últimas horas",
        **claim,
    }
    with capture(execute=True):
        response = client.post(
            reverse("imports:release-list-upload"), {"file": list_csv(rows), **fields}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.filter(kind=ImportKind.RELEASE_LIST).latest("pk")


def by_row(job: ImportJob) -> dict[int, dict]:
    return {match["row"]: match for match in job.matches}


def test_a_list_is_matched_confirmed_and_recorded_as_a_claim(
    verificador, registry, django_capture_on_commit_callbacks
):
    job = upload_list(verificador, django_capture_on_commit_callbacks)
    assert job.state == ImportState.VALIDATED, job.errors
    assert ReleaseClaim.objects.count() == 0  # nothing recorded before confirmation
    matches = by_row(job)
    assert (matches[2]["status"], matches[2]["method"]) == ("matched", "national_id")
    assert matches[2]["candidates"][0]["pk"] == registry["ana"].pk
    assert matches[3]["status"] == "ambiguous"
    assert {c["pk"] for c in matches[3]["candidates"]} >= {
        registry["jose_gomez"].pk,
        registry["jose_diaz"].pk,
    }
    assert matches[4]["status"] == "matched" and matches[4]["candidates"][0]["score"] == 1.0
    assert matches[4]["candidates"][0]["pk"] == registry["carmen"].pk
    assert matches[5]["status"] == "unknown" and matches[5]["candidates"] == []
    assert matches[6]["candidates"][0]["pk"] == registry["luis"].pk
    assert matches[7]["name"].startswith("'=")
    assert job.counts["unknown"] == 2

    page = verificador.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'name="row-3"' in page and "Gómez" in page and "Díaz" in page

    decisions = {"row-3": str(registry["jose_gomez"].pk), "row-6": str(registry["luis"].pk)}
    with django_capture_on_commit_callbacks(execute=True):
        verificador.post(reverse("imports:confirm", args=[job.pk]), decisions)
    job.refresh_from_db()
    assert job.state == ImportState.COMMITTED, job.errors
    assert not job.file

    claim = ReleaseClaim.objects.get()
    assert (claim.claimed_count, claim.names_published, claim.announced_on) == (
        116,
        True,
        datetime.date(2026, 1, 9),
    )
    names = {n.published_name: n for n in claim.names.all()}
    assert names["ANA LUCIA RIVAS"].person == registry["ana"]
    assert names["ANA LUCIA RIVAS"].national_id == "V-10100100"
    assert names["José Pérez"].person == registry["jose_gomez"]
    assert names["Wilfredo Sarmiento Lozada"].match_status == MatchStatus.UNKNOWN
    assert names["Carmen Elena Bracho Tovar"].verified_released
    assert not names["ANA LUCIA RIVAS"].verified_released
    audit = names["José Pérez"].audit_rows.first()
    assert audit.pgh_context.metadata["reason"] == f"import #{job.pk}"
    # A claim changes nobody's status.
    registry["ana"].refresh_from_db()
    assert registry["ana"].current_status == "detained"

    report = verificador.get(reverse("imports:claim-reconciliation", args=[claim.pk]))
    figures = report.context["report"]
    assert (figures.claimed, figures.listed, figures.matched, figures.unknown) == (116, 6, 4, 2)
    assert (figures.matched_verified, figures.matched_in_custody) == (1, 3)
    assert figures.unaccounted == 115
    not_listed = {p.pk for p in figures.not_listed}
    assert not_listed == {registry["jose_diaz"].pk, registry["pedro"].pk}
    assert figures.not_listed_count == 2

    # Verifying Ana's release later counts her name as a verified release.
    release_verify(
        release=release_record(
            detention=registry["ana"].detentions.get(),
            released_on=datetime.date(2026, 1, 9),
            kind="amnesty",
        ),
        by=factories.verifier(),
    )
    assert ReleaseClaimName.objects.get(person=registry["ana"]).verified_released


def test_the_report_downloads_as_csv_without_private_data(
    coordinador, registry, django_capture_on_commit_callbacks
):
    job = upload_list(coordinador, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        coordinador.post(reverse("imports:confirm", args=[job.pk]))
    claim = ReleaseClaim.objects.get()
    response = coordinador.get(
        reverse("imports:claim-reconciliation", args=[claim.pk]), {"formato": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Anunciados como excarcelados", "116"] in rows
    assert any(row and row[0] == "Pedro Infante Sosa" for row in rows)
    assert all(not cell.startswith("=") for row in rows for cell in row)
    assert "10100100" not in text  # the cédula is never exported


def test_a_decision_that_is_not_a_candidate_is_refused(
    verificador, registry, django_capture_on_commit_callbacks
):
    job = upload_list(verificador, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = verificador.post(
            reverse("imports:confirm", args=[job.pk]), {"row-5": str(registry["pedro"].pk)}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.VALIDATED
    assert ReleaseClaim.objects.count() == 0 and ReleaseClaimName.objects.count() == 0
    page = verificador.get(response["Location"]).content.decode()
    assert "elija uno de los registros propuestos" in page.lower()


def test_a_documentalista_cannot_record_a_list(
    documentalista, verificador, registry, django_capture_on_commit_callbacks
):
    job = upload_list(verificador, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        documentalista.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.VALIDATED and ReleaseClaim.objects.count() == 0


def test_a_list_can_belong_to_a_claim_already_recorded(
    verificador, registry, django_capture_on_commit_callbacks
):
    claim = ReleaseClaim.objects.create(
        announced_on=datetime.date(2026, 1, 9), claimant="Fiscal", claimed_count=41
    )
    job = upload_list(
        verificador, django_capture_on_commit_callbacks, rows=OFFICIAL_LIST[:2], claim=claim.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        verificador.post(reverse("imports:confirm", args=[job.pk]))
    claim.refresh_from_db()
    assert ReleaseClaim.objects.count() == 1
    assert claim.names.count() == 2 and claim.names_published and claim.claimed_count == 41


def test_bad_lists_and_bad_claim_fields_get_clear_messages(
    verificador, registry, django_capture_on_commit_callbacks
):
    response = verificador.post(
        reverse("imports:release-list-upload"), {"file": list_csv(OFFICIAL_LIST), "claimant": ""}
    )
    assert response.status_code == 200
    assert "Hace falta para un anuncio nuevo." in response.content.decode()
    assert ImportJob.objects.count() == 0

    buffer = io.BytesIO(b"Apellido;Estado\nRivas;Miranda\n")
    buffer.name = "sin-nombres.csv"
    with django_capture_on_commit_callbacks(execute=True), translation.override("es"):
        verificador.post(
            reverse("imports:release-list-upload"),
            {"file": buffer, "announced_on": "2026-01-09", "claimant": "Ministro"},
        )
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    assert job.errors[0]["code"] in ("missing_columns", "unknown_columns")

    rows = [
        {"name": "Ana Rivas", "id": "V-1"},
        {"name": "", "id": ""},
        {"name": "X", "date": "ayer"},
    ]
    job = upload_list(verificador, django_capture_on_commit_callbacks, rows=rows)
    assert {(e["row"], e["code"]) for e in job.errors} == {
        (2, "invalid_national_id"),
        (4, "invalid_date"),
    }
    assert not job.can_commit and job.matches == []


def test_removed_records_are_never_proposed(
    verificador, registry, django_capture_on_commit_callbacks
):
    registry["pedro"].record_state = RecordState.REMOVED
    registry["pedro"].save()
    job = upload_list(
        verificador, django_capture_on_commit_callbacks, rows=[{"name": "Pedro Infante Sosa"}]
    )
    assert by_row(job)[2]["status"] == "unknown"
