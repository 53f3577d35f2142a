"""Streamed exports and their data dictionary."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from api.exports import COLUMNS, neutralise_formula
from tests import factories

pytestmark = pytest.mark.django_db

CSV = reverse("api:export-persons-csv")
JSONL = reverse("api:export-persons-jsonl")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture
def exported():
    tricky = factories.published_person(
        given_names='=HYPERLINK("http://x")',
        first_surname="Núñez",
        categories=["student", "protester"],
    )
    factories.detained(tricky)
    plain = factories.published_person(
        given_names='Ana "La Negra", María', first_surname="Ávila", second_surname="Línea\nDos"
    )
    hidden = factories.person(given_names="Oculto", first_surname="Borrador")
    return {
        "tricky": factories.approved(tricky),
        "plain": factories.approved(plain),
        "hidden": hidden,
    }


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def test_csv_opens_in_a_spreadsheet(api_anonymous, exported):
    response = api_anonymous.get(CSV)
    raw = body(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row["public_id"] for row in rows} == {
        exported["tricky"].public_id,
        exported["plain"].public_id,
    }
    tricky = next(row for row in rows if row["public_id"] == exported["tricky"].public_id)
    assert tricky["given_names"].startswith("'=HYPERLINK")
    assert tricky["categories"] == "student;protester"
    assert tricky["status"] == "detained"
    assert "sex" not in tricky
    plain = next(row for row in rows if row["public_id"] == exported["plain"].public_id)
    assert plain["given_names"] == 'Ana "La Negra", María'
    assert plain["second_surname"] == "Línea\nDos"
    assert plain["status"] == "" and plain["current_facility"] == ""


def test_partner_csv_has_the_partner_columns(partner, exported):
    header = body(partner.get(CSV)).decode("utf-8-sig").splitlines()[0].split(",")
    assert header == [column.name for column in COLUMNS]


def test_jsonl_one_object_per_line(api_anonymous, partner, exported):
    lines = body(api_anonymous.get(JSONL)).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2
    assert all("sex" not in record for record in records)
    assert 'Ana "La Negra", María Ávila Línea\nDos' in {record["name"] for record in records}
    partner_records = [json.loads(line) for line in body(partner.get(JSONL)).decode().splitlines()]
    assert all(record["sex"] == "unknown" for record in partner_records)


def test_exports_take_the_list_filters_and_refuse_bad_ones(api_anonymous, exported):
    rows = body(api_anonymous.get(JSONL, {"status": "detained"})).decode().splitlines()
    assert [json.loads(row)["public_id"] for row in rows] == [exported["tricky"].public_id]
    refused = api_anonymous.get(CSV, {"status": "jailed"}, headers={"Accept": "text/csv"})
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/json"
    assert "Select a valid choice" in refused.json()["status"][0]


def test_exports_read_no_more_than_a_constant_number_of_queries(
    api_anonymous, django_assert_max_num_queries
):
    for number in range(30):
        person = factories.published_person(given_names=f"Persona {number}")
        factories.detained(person)
        factories.approved(person)
    # 4 + 2: the request reads the approved tables (SET search_path / RESET search_path). A
    # streamed export sets the path once around the view and once around the streaming, so
    # four such statements beside its one query.
    with django_assert_max_num_queries(6):
        body(api_anonymous.get(CSV))


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+58 414", "'+58 414"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("María", "María"),
    ],
)
def test_formula_neutralisation(text, safe):
    assert neutralise_formula(text) == safe


def test_data_dictionary_lists_every_column_with_its_values(api_anonymous):
    data = api_anonymous.get(reverse("api:data-dictionary")).json()
    assert [field["field"] for field in data["fields"]] == [column.name for column in COLUMNS]
    status = next(field for field in data["fields"] if field["field"] == "status")
    assert {"value": "whereabouts_unknown", "label": "Whereabouts unknown"} in status["values"]
    assert {field["tier"] for field in data["fields"]} == {"public", "partner"}
    assert set(data["formats"]) == {"csv", "jsonl"}


def test_the_docs_publish_the_data_dictionary():
    docs = DOCS.read_text()
    for column in COLUMNS:
        assert f"| `{column.name}` |" in docs, f"Describe the column {column.name} in docs/api.md"
