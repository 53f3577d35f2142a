"""COPY's text format (lib.bulk): what a row holds comes back from the table unchanged,
whatever characters its text and arrays carry."""

import datetime
import decimal

import pytest
from django.db import connection

from lib.bulk import copy_line, copy_lines, copy_text

COLUMNS = ("position", "text", "texts", "flag", "day", "moment", "amount")
AWKWARD = 'tab\there, new\nline, return\r, back\\slash, \\N, "quoted", {braces}, comma,'
ROWS = [
    (
        1,
        "José Núñez",
        ["VE", "CO"],
        True,
        datetime.date(2024, 7, 29),
        datetime.datetime(2024, 7, 29, 12, 30, 15, 250, tzinfo=datetime.UTC),
        decimal.Decimal("12.50"),
    ),
    (2, AWKWARD, [AWKWARD, "NULL", "", None, "a b"], False, None, None, None),
    (3, "", [], None, None, None, None),
    (4, None, None, None, None, None, None),
]


@pytest.mark.django_db
def test_rows_come_back_from_copy_as_they_went_in():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copy_probe (position integer, text text, texts text[], "
            "flag boolean, day date, moment timestamptz, amount numeric) ON COMMIT DROP"
        )
        copy_lines("copy_probe", COLUMNS, (copy_line(row) for row in ROWS))
        cursor.execute(
            "SELECT position, text, texts, flag, day, moment, amount FROM copy_probe "
            "ORDER BY position"
        )
        assert [tuple(row) for row in cursor.fetchall()] == ROWS


@pytest.mark.django_db
def test_no_lines_no_copy():
    copy_lines("no_such_table", COLUMNS, [])  # would fail if it sent a COPY


def test_values_without_a_text_form_are_refused():
    with pytest.raises(TypeError):
        copy_text({"a": 1})
