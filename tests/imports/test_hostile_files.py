"""Hostile and broken files (issue #18, item 8), made here, byte by byte: each ends its job failed
with one clear message, quickly, in bounded memory, never a 500 and never a partial write."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from cases.models import ReleaseClaimName
from config.celery import app as celery_app
from imports.models import ImportJob, ImportKind, ImportState
from imports.tasks import validate_import
from registry.models import Person
from tests.imports.conftest import csv_bytes, make_job, row, validated

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    HEADER + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = (
    HEADER + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    HEADER + f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}">'
    '<sheets><sheet name="Casos" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    HEADER + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
CASE_HEADERS = ["Nombres", "Primer apellido", "Fecha de detención"]
CASE_ROW = ["Ana", "Prueba", "2024-05-10"]


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + index)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for index, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows: str, dimension: str = "A1:C2") -> str:
    return (
        HEADER + f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


CASES_SHEET = sheet_xml(inline_row(1, CASE_HEADERS) + inline_row(2, CASE_ROW))
NO_STRINGS = HEADER + f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"></sst>'


def xlsx(sheet: str = CASES_SHEET, strings: str = NO_STRINGS, **parts: bytes) -> bytes:
    """A minimal XLSX, written part by part (openpyxl would not write a hostile one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings)
        for name, data in parts.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


def dimension_bomb() -> bytes:
    """1.6 kB declaring A1:XFD1048576: read by its declared size, 17 billion empty cells."""
    return xlsx(sheet_xml(inline_row(1, CASE_HEADERS) + inline_row(2, CASE_ROW), "A1:XFD1048576"))


def deflate_bomb(unpacked_mb: int = 150) -> bytes:
    """A sheet of one row whose cell holds `unpacked_mb` MB of spaces: a few hundred kB zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", NO_STRINGS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'{HEADER}<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode())
            part.write(b'<c r="A1" t="inlineStr"><is><t>')
            megabyte = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(megabyte)
            part.write(b"</t></is></c></row></sheetData></worksheet>")
    return buffer.getvalue()


def lying_about_its_size(data: bytes, member: str, declared: int) -> bytes:
    """`data` with the central directory declaring `declared` bytes for `member` unpacked."""
    data = bytearray(data)
    name = member.encode()
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + name_length] == name:
            data[position + 24 : position + 28] = declared.to_bytes(4, "little")
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def assert_refused(job: ImportJob, code: str) -> None:
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert [(error["row"], error["code"]) for error in job.errors] == [(None, code)], job.errors
    assert job.errors[0]["message"]
    assert not job.file  # the upload is deleted
    assert Person.objects.count() == 0
    assert ReleaseClaimName.objects.count() == 0


def check(data: bytes, name: str = "casos.xlsx", code: str = "", kind=ImportKind.CASES):
    with translation.override("en"):
        job = make_job(data, name)
        if kind != ImportKind.CASES:
            ImportJob.objects.filter(pk=job.pk).update(kind=kind)
        validate_import.delay(job.pk)
    assert_refused(job, code)
    return job


def test_the_handmade_xlsx_is_a_valid_one(documentalista, reference):
    """So that each refusal below is the hostile part's doing."""
    job = validated(xlsx(), "casos.xlsx")
    assert job.state == ImportState.VALIDATED and job.errors == []
    assert job.counts["new"] == 1


def test_a_tiny_xlsx_declaring_a_huge_sheet_is_refused_by_its_declared_size(reference):
    data = dimension_bomb()
    assert len(data) < 2000
    job = check(data, code="too_large_sheet")
    message = job.errors[0]["message"]
    assert "A1:XFD1048576" in message and "1,048,576 rows by 16,384 columns" in message
    spanish = validated(data, "casos.xlsx")  # in the site's language
    spanish_message = spanish.errors[0]["message"].replace("\xa0", " ")
    assert "La hoja declara 1 048 576 filas por 16 384 columnas" in spanish_message
    assert "como máximo 150 000 filas" in spanish_message


def test_a_list_of_released_people_is_read_the_same_way(reference):
    check(dimension_bomb(), code="too_large_sheet", kind=ImportKind.RELEASE_LIST)


def test_a_deflate_bomb_is_refused_by_the_sizes_its_archive_declares(reference):
    data = deflate_bomb()
    assert len(data) < 1024 * 1024
    job = check(data, code="too_large_unzipped")
    assert "larger than 100.0\xa0MB" in job.errors[0]["message"]


def test_a_deflate_bomb_lying_about_its_size_is_stopped_while_inflating(reference):
    data = lying_about_its_size(deflate_bomb(), "xl/worksheets/sheet1.xml", declared=10_000)
    check(data, code="bad_xlsx")  # inflating stops at the declared size: the checksum fails


@pytest.mark.parametrize(
    ("sheet", "code"),
    [
        (sheet_xml(inline_row(1, CASE_HEADERS) + "<row r='2'><c r='A2'"), "bad_xlsx"),
        ("<worksheet><sheetData></worksheet>", "bad_xlsx"),
        (HEADER + "no xml at all", "bad_xlsx"),
        ("\udcff".encode("utf-8", "surrogatepass"), "bad_xlsx"),  # not UTF-8
    ],
    ids=["truncated", "mismatched-tags", "text", "invalid-utf8"],
)
def test_malformed_xml_inside_an_xlsx_fails_the_job_with_a_message(sheet, code, reference):
    check(xlsx(sheet=sheet), code=code)


@pytest.mark.parametrize(
    "doctype",
    [
        # Billion laughs: each entity ten of the one before.
        '<!DOCTYPE sst [<!ENTITY a "hahahahaha">'
        + "".join(
            f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + "]>",
        # XXE: an external entity reading a file of the server.
        '<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["billion-laughs", "xxe"],
)
def test_xml_entities_are_refused(doctype, reference):
    entity = "&i;" if "hahaha" in doctype else "&secret;"
    strings = HEADER + doctype + f'<sst xmlns="{MAIN}"><si><t>{entity}</t></si></sst>'
    check(xlsx(strings=strings), code="xml_entities")


def test_an_xlsx_without_its_parts_is_refused(reference):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a spreadsheet")
    check(buffer.getvalue(), code="bad_xlsx")  # openpyxl: KeyError, no [Content_Types].xml


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "casos.xls.xlsx", "xls"),
        (b"Nombres,Primer apellido\nAna,Prueba\n", "casos.xlsx", "bad_xlsx"),
        (None, "casos.xlsx", "ods"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "casos.csv", "not_text"),
    ],
    ids=["old-excel-or-password", "csv-named-xlsx", "opendocument", "png-named-csv"],
)
def test_files_of_another_type_are_named_for_what_they_are(data, name, code, reference):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", "<office:document-content/>")
        data = buffer.getvalue()
    check(data, name, code=code)


@override_settings(IMPORT_MAX_ROWS=3)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_files_with_too_many_rows_are_refused_as_they_are_read(kind, reference):
    rows = [row(given_names=f"Ana {number}") for number in range(4)]
    if kind == "csv":
        check(csv_bytes(rows), "casos.csv", code="too_many_rows")
    else:
        sheet = sheet_xml(
            inline_row(1, CASE_HEADERS)
            + "".join(inline_row(n, [f"Ana {n}", "Prueba", "2024-05-10"]) for n in range(2, 6)),
            dimension="A1:C3",  # understated: the rows are counted, not the declaration
        )
        check(xlsx(sheet), code="too_many_rows")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_wider_than_any_sheet_of_ours_are_refused(kind, reference):
    values = [*CASE_HEADERS, *[""] * 300]
    if kind == "csv":
        check(",".join(values).encode() + b"\nAna,Prueba,2024-05-10\n", "c.csv", "too_many_columns")
    else:
        wide = "<row r='1'>" + "<c><v>1</v></c>" * 300 + "</row>"
        check(xlsx(sheet_xml(wide, dimension="A1:A1")), code="too_many_columns")


@override_settings(IMPORT_MAX_CELLS=5)
def test_files_with_too_many_cells_are_refused(reference):
    rows = [row(given_names=f"Ana {number}") for number in range(3)]
    check(csv_bytes(rows), "casos.csv", code="too_many_cells")
    sheet = sheet_xml(
        inline_row(1, CASE_HEADERS) + inline_row(2, CASE_ROW) + inline_row(3, CASE_ROW),
        dimension="A1:C1",
    )
    check(xlsx(sheet), code="too_many_cells")


def test_a_utf16_csv_is_read(documentalista, reference):
    """Excel's "Unicode text": UTF-16 with a byte-order mark."""
    text = csv_bytes([row(given_names="José Ñúñez", first_surname="Peña")]).decode()
    job = validated(text.encode("utf-16"))
    assert job.state == ImportState.VALIDATED and job.errors == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        # Mostly UTF-8, with a Latin-1 byte pasted in: read as Latin-1 it would be mojibake.
        (
            "Nombres,Primer apellido,Fecha de detención\nJosé,Peña,2024-05-10\n".encode()
            + b"Mar\xeda,Le\xf3n,2024-05-11\n",
            "mixed_encoding",
        ),
        (b"\xff\xfe" + "Nombres".encode("utf-16-le") + b"\x00\xd8", "bad_encoding"),
        (b'Nombres,Primer apellido,Fecha de detenci\xf3n\n"Ana' + b"x" * 200_000, "bad_csv"),
    ],
    ids=["mixed-utf8-latin1", "damaged-utf16", "unclosed-quote"],
)
def test_broken_csv_files_get_a_clear_message(data, code, reference):
    check(data, "casos.csv", code=code)


def test_a_hostile_upload_through_the_page_is_a_failed_job_not_a_500(
    documentalista, reference, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(xlsx(sheet="<worksheet><sheetData><row>"))
    upload.name = "casos.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = documentalista.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert_refused(job, "bad_xlsx")
    page = documentalista.get(reverse("imports:detail", args=[job.pk]))
    assert page.status_code == 200
    assert job.errors[0]["message"] in page.content.decode()


@pytest.fixture
def no_worker():
    assert celery_app.conf.task_always_eager  # tests run tasks in-process (tests/conftest.py)


@override_settings(IMPORT_MAX_BYTES_WITHOUT_WORKER=50_000)
def test_without_a_worker_large_files_are_refused_at_upload(documentalista, no_worker):
    big = csv_bytes([row(given_names=f"Ana {number}") for number in range(2000)])
    assert 50_000 < len(big) < django_settings.IMPORT_MAX_BYTES
    for data, name in ((big, "casos.csv"), (deflate_bomb(unpacked_mb=1), "casos.xlsx")):
        upload = io.BytesIO(data)
        upload.name = name
        response = documentalista.post(reverse("imports:upload"), {"file": upload})
        assert response.status_code == 200
        assert response.context["form"].has_error("file", "too_large_without_worker")
    assert ImportJob.objects.count() == 0


@override_settings(IMPORT_MAX_BYTES_WITHOUT_WORKER=50_000)
def test_with_a_worker_the_same_file_is_queued(documentalista):
    big = csv_bytes([row(given_names=f"Ana {number}") for number in range(2000)])
    upload = io.BytesIO(big)
    upload.name = "casos.csv"
    celery_app.conf.task_always_eager = False  # a broker: the check would go to the worker
    try:
        response = documentalista.post(reverse("imports:upload"), {"file": upload})
    finally:
        celery_app.conf.task_always_eager = True
    assert response.status_code == 302
    assert ImportJob.objects.get().state == ImportState.PENDING


READ_IN_A_FRESH_PROCESS = """
import resource, sys
import django
django.setup()
from imports.reader import ImportFileError, read_table
codes = []
for path in sys.argv[1:]:
    try:
        read_table(open(path, "rb").read(), path)
        codes.append("read")
    except ImportFileError as error:
        codes.append(error.code)
print(" ".join(codes), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.slow
def test_the_reader_stays_under_500_mb_whatever_the_file(tmp_path):
    """In a process of its own, so that its peak memory is the reader's."""
    files = {
        "dimension.xlsx": dimension_bomb(),
        "deflate.xlsx": deflate_bomb(),
        "lying.xlsx": lying_about_its_size(deflate_bomb(), "xl/worksheets/sheet1.xml", 10_000),
    }
    workbook = openpyxl.Workbook()  # and a real one
    workbook.active.append(CASE_HEADERS)
    for number in range(20_000):
        workbook.active.append([f"Nombre {number}", "Apellido", "2024-05-10"])
    workbook.save(tmp_path / "real.xlsx")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / name) for name in [*files, "real.xlsx"]]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", READ_IN_A_FRESH_PROCESS, *paths],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    *codes, peak_mb = result.stdout.split()
    assert codes == ["too_large_sheet", "too_large_unzipped", "bad_xlsx", "read"]
    assert int(peak_mb) < 500


def test_a_file_gone_from_the_storage_fails_the_job_with_a_message(reference):
    job = make_job(xlsx(), "casos.xlsx")
    os.remove(job.file.path)
    validate_import.delay(job.pk)
    assert_refused(job, "file_gone")
