"""Property: whatever rows are bad and wherever they are, each is reported by its row number
and column, and nothing is written."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.models import ImportState
from registry.models import Person
from tests.imports.conftest import committed, csv_bytes, row, validated

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BAD_CELLS = {
    "arrested_on": ["31/02/2024", "ayer", "2024-13-01", "3000-01-01"],
    "facility": ["Cárcel que no existe"],
    "sex": ["tal vez"],
    "given_names": [""],
    "national_id": ["V-1", "abc"],
}
COLUMN_OF = {
    "arrested_on": "Fecha de detención",
    "facility": "Centro de reclusión",
    "sex": "Sexo",
    "given_names": "Nombres",
    "national_id": "Cédula",
}
bad_cell = st.sampled_from(sorted(BAD_CELLS)).flatmap(
    lambda field: st.tuples(st.just(field), st.sampled_from(BAD_CELLS[field]))
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.integers(1, 12),
    bad=st.dictionaries(st.integers(0, 11), bad_cell, min_size=1, max_size=5),
    delimiter=st.sampled_from([",", ";"]),
)
def test_bad_rows_anywhere_are_all_reported(documentalista, reference, size, bad, delimiter):
    rows, expected = [], set()
    for index in range(size):
        values = row(given_names=f"Persona{index}", first_surname="Generada")
        if index in bad:
            field, value = bad[index]
            values[field] = value
            expected.add((index + 2, COLUMN_OF[field]))
        rows.append(values)
    if not expected:
        rows[0]["sex"] = "tal vez"
        expected.add((2, "Sexo"))
    job = validated(csv_bytes(rows, delimiter=delimiter))
    assert job.state == ImportState.VALIDATED
    assert {(error["row"], error["column"]) for error in job.errors} == expected
    job = committed(job, documentalista.user)
    assert job.state == ImportState.VALIDATED
    assert Person.objects.count() == 0
