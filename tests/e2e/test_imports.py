"""Imports in a real browser (issue #6): a documentalista imports a file of case records and
finds the drafts it created; the job page follows a check in progress by itself (htmx); bad
rows are listed cell by cell; a verificador reconciles an official list of released people and
reads the report, in Spanish and in English."""

import csv
import datetime
import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from cases.models import MatchStatus, ReleaseClaim, ReleaseClaimName
from imports.models import ImportJob
from imports.tasks import validate_import
from tests import factories
from tests.e2e.conftest import sign_in
from tests.imports.conftest import csv_bytes, row

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files (which may hold cédulas) go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rodeo(db):
    return factories.facility(name="Rodeo I", aliases=["El Rodeo Uno"])


def write_csv(path, rows: list[list[str]]):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def figure(page, name: str):
    return page.locator(f"[data-figure={name}]")


def test_a_documentalista_imports_three_cases_and_finds_the_drafts(
    live_server, page, screenshot, tmp_path, rodeo, documentalista
):
    sign_in(page, live_server, documentalista.user)
    page.goto(live_server.url + "/personal/importar/")
    expect(page.locator("h1")).to_have_text("Importar expedientes")
    page.get_by_text("Columnas", exact=True).click()
    columns = page.locator("details table")
    for header in ("Nombres", "Primer apellido", "Fecha de detención", "Centro de reclusión"):
        expect(columns).to_contain_text(header)

    data = csv_bytes(
        [
            row(
                given_names="Ana Teresa",
                first_surname="Prueba",
                released_on="08/01/2026",
                release_conditions="presentación cada 30 días; prohibición de salida del país",
            ),
            row(given_names="Luis Alberto", first_surname="Ensayo", facility="El Rodeo Uno"),
            row(given_names="Carmen Rosa", first_surname="Muestra", arrested_on="03/2024"),
        ]
    )
    upload = tmp_path / "casos.csv"
    upload.write_bytes(data)
    page.get_by_label("Archivo (CSV o XLSX)").set_input_files(upload)
    page.get_by_role("button", name="Revisar el archivo").click()

    expect(page).to_have_url(re.compile(r"/personal/importar/\d+/$"))
    assert page.url == f"{live_server.url}/personal/importar/{ImportJob.objects.get().pk}/"
    expect(page.locator("h1")).to_contain_text("casos.csv")
    expect(page.locator(".import-state")).to_have_text("Revisado")
    expect(page.locator("[data-count=new]")).to_have_text("3")
    expect(page.locator("[data-count=rows_with_errors]")).to_have_text("0")
    expect(page.locator(".import-errors")).to_have_count(0)
    confirm = page.get_by_role("button", name="Importar 3 registros nuevos como borradores")
    expect(confirm).to_be_visible()
    screenshot("import-preview")

    confirm.click()
    expect(page.locator(".import-state")).to_have_text("Importado")
    expect(page.locator("[data-count=created]")).to_have_text("3")
    expect(page.locator(".import-counts")).to_contain_text("Borradores creados")
    expect(page.get_by_role("button", name="Importar 3 registros")).to_have_count(0)

    page.get_by_role("link", name="Ver los borradores de esta importación").click()
    expect(page.locator("h1")).to_contain_text("Borradores de la importación")
    expect(page.locator("main")).to_contain_text("3 registros")
    items = page.locator(".queue-item h2")
    expect(items).to_have_count(3)
    expect(items).to_have_text(["Ana Teresa Prueba", "Luis Alberto Ensayo", "Carmen Rosa Muestra"])
    # Ana's reported release and its two conditions came in with her record.
    expect(page.locator(".queue-item").first).to_contain_text("fecha de excarcelación")
    expect(page.locator(".queue-item").first.get_by_text("medida cautelar")).to_have_count(2)
    screenshot("import-drafts")


def test_the_job_page_follows_the_check_without_reloading(live_server, page, rodeo, documentalista):
    user = documentalista.user
    job = ImportJob.objects.create(
        file=ContentFile(csv_bytes([row()]), name="lento.csv"),
        original_name="lento.csv",
        created_by=user,
    )
    ImportJob.objects.filter(pk=job.pk).update(rows_total=100, rows_done=40)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/personal/importar/{job.pk}/")
    page.evaluate("window.notReloaded = true")
    expect(page.locator(".import-state")).to_have_text("En espera de revisión")
    progress = page.locator("#import-status progress")
    expect(progress).to_have_attribute("value", "40")
    expect(progress).to_have_attribute("max", "100")
    expect(page.locator("#import-status")).to_contain_text("40 de 100 filas")

    validate_import.delay(job.pk)  # the worker's turn (eager: runs here and now)

    expect(page.locator(".import-state")).to_have_text("Revisado")
    expect(progress).to_have_count(0)
    expect(page.locator("[data-count=new]")).to_have_text("1")
    confirm = page.get_by_role("button", name="Importar 1 registro nuevo como borrador")
    expect(confirm).to_be_visible()
    assert page.evaluate("window.notReloaded") is True


def test_bad_rows_are_listed_by_row_and_column_and_nothing_can_be_imported(
    live_server, page, screenshot, tmp_path, rodeo, documentalista
):
    sign_in(page, live_server, documentalista.user)
    page.goto(live_server.url + "/personal/importar/")
    upload = tmp_path / "con-errores.csv"
    upload.write_bytes(
        csv_bytes(
            [
                row(given_names="Bien"),  # row 2: fine
                row(given_names="Fecha", arrested_on="31/02/2024"),  # row 3
                row(given_names="Centro", facility="Cárcel inventada"),  # row 4
            ]
        )
    )
    page.get_by_label("Archivo (CSV o XLSX)").set_input_files(upload)
    page.get_by_role("button", name="Revisar el archivo").click()

    expect(page.locator(".import-state")).to_have_text("Revisado")
    errors = page.locator(".import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("td")).to_have_text(
        [
            "3",
            "Fecha de detención",
            "«31/02/2024» no es una fecha: escriba AAAA-MM-DD o dd/mm/aaaa "
            "(mm/aaaa o aaaa cuando solo se conoce el mes o el año).",
        ]
    )
    expect(errors.nth(1).locator("td")).to_have_text(
        [
            "4",
            "Centro de reclusión",
            "Ningún centro de reclusión del registro se llama «Cárcel inventada».",
        ]
    )
    expect(page.locator("[data-count=rows_with_errors]")).to_have_text("2")
    expect(page.locator("#import-status")).to_contain_text(
        "Corrija los errores del archivo y súbalo de nuevo"
    )
    expect(page.locator("#import-status button[type=submit]")).to_have_count(0)
    expect(page.get_by_role("button", name="Importar")).to_have_count(0)
    screenshot("import-errors")


@pytest.fixture
def registry(db):
    """Four people in custody; Ana's cédula is known; two José Pérez."""
    place = factories.facility(name="El Helicoide")
    people = {}
    for key, (given, first, second), national_id in [
        ("ana", ("Ana Lucía", "Rivas", "Mora"), "V-10100100"),
        ("jose_gomez", ("José", "Pérez", "Gómez"), None),
        ("jose_diaz", ("José", "Pérez", "Díaz"), None),
        ("pedro", ("Pedro", "Infante", "Sosa"), None),
    ]:
        person = factories.person(
            given_names=given, first_surname=first, second_surname=second, national_id=national_id
        )
        factories.detained(person, on=datetime.date(2024, 8, 1), place=place)
        people[key] = person
    return people


def test_a_verificador_reconciles_an_official_list_and_reads_the_report(
    live_server, page, screenshot, tmp_path, registry, verificador
):
    sign_in(page, live_server, verificador.user)
    page.goto(live_server.url + "/personal/importar/lista/")
    expect(page.locator("h1")).to_have_text("Conciliar una lista de personas excarceladas")
    page.get_by_label("Fecha del anuncio").fill("2026-01-09")
    page.get_by_label("Quién lo anunció", exact=True).fill("Ministro de Servicio Penitenciario")
    page.get_by_label("Número anunciado").fill("10")
    upload = write_csv(
        tmp_path / "lista-oficial.csv",
        [
            ["Nombre completo", "Cédula"],
            ["ANA LUCIA RIVAS", "10.100.100"],  # row 2: the cédula decides
            ["José Pérez", ""],  # row 3: two records fit equally
            ["Wilfredo Sarmiento Lozada", ""],  # row 4: nobody
        ],
    )
    page.get_by_label("Archivo (CSV o XLSX)").set_input_files(upload)
    screenshot("release-list-upload")
    page.get_by_role("button", name="Cotejar la lista").click()

    expect(page.locator(".import-state")).to_have_text("Revisado")
    expect(page.locator("#import-status")).to_contain_text("Ministro de Servicio Penitenciario")
    matches = page.locator(".import-matches tbody tr")
    expect(matches).to_have_count(3)
    expect(page.locator(".import-matches select")).to_have_count(3)
    expect(matches.nth(0)).to_contain_text("Identificado (cédula)")
    expect(matches.nth(1)).to_contain_text("Ambiguo")
    expect(matches.nth(2)).to_contain_text("No encontrado")
    ana, jose = registry["ana"], registry["jose_gomez"]
    expect(page.get_by_label("Decisión para la fila 2")).to_have_value(str(ana.pk))
    expect(page.get_by_label("Decisión para la fila 3")).to_have_value("ambiguous")
    expect(page.get_by_label("Decisión para la fila 4")).to_have_value("unknown")
    page.get_by_label("Decisión para la fila 3").select_option(label="José Pérez Gómez")
    screenshot("release-list-matches")

    page.get_by_role("button", name="Registrar la lista con estas coincidencias").click()
    expect(page.locator(".import-state")).to_have_text("Importado")
    page.get_by_role("link", name="Leer el informe de conciliación").click()

    expect(page.locator("h1")).to_have_text("Conciliación de un anuncio de excarcelación")
    expect(figure(page, "claimed")).to_have_text("10")
    expect(figure(page, "listed")).to_have_text("3")
    expect(figure(page, "matched")).to_have_text("2")
    expect(figure(page, "matched_in_custody")).to_have_text("2")
    expect(figure(page, "ambiguous")).to_have_text("0")
    expect(figure(page, "unknown")).to_have_text("1")
    expect(figure(page, "unaccounted")).to_have_text("10")  # none of the releases verified
    expect(figure(page, "not_listed")).to_have_text("2")
    names = page.locator(".claim-names tbody tr")
    expect(names.nth(1)).to_contain_text("José Pérez Gómez")
    expect(page.locator(".not-listed li")).to_have_text(
        [
            "Pedro Infante Sosa · Detenido/a · El Helicoide",  # by surname
            "José Pérez Díaz · Detenido/a · El Helicoide",
        ]
    )
    claim = ReleaseClaim.objects.get()
    assert claim.names.get(published_name="José Pérez").person == jose
    screenshot("claim-report")


def test_the_report_reads_in_english(live_server, page, screenshot, registry, verificador):
    claim = ReleaseClaim.objects.create(
        announced_on=datetime.date(2026, 1, 9),
        claimant="Ministro de Servicio Penitenciario",
        claimed_count=116,
        names_published=True,
    )
    ReleaseClaimName.objects.create(
        claim=claim,
        published_name="Pedro Infante",
        match_status=MatchStatus.MATCHED,
        person=registry["pedro"],
    )
    sign_in(page, live_server, verificador.user)

    page.goto(f"{live_server.url}/en/personal/anuncios/{claim.pk}/conciliacion/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Reconciliation of a release claim")
    rows = page.locator(".claim-figures th")
    expect(rows.first).to_have_text("Claimed released")
    expect(page.locator(".claim-figures")).to_contain_text(
        "In custody in the registry, not on the list"
    )
    expect(figure(page, "claimed")).to_have_text("116")
    expect(figure(page, "not_listed")).to_have_text("3")
    expect(page.get_by_role("heading", name="In custody, not on the list")).to_be_visible()
    expect(page.locator(".claim-names")).to_contain_text("Matched")
    expect(page.locator("main")).not_to_contain_text("Conciliación")
    screenshot("claim-report-en")
