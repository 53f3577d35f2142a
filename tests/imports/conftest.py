import csv
import io

import pytest
from django.core.files.base import ContentFile

from imports.columns import COLUMNS_BY_FIELD
from imports.models import ImportJob
from imports.tasks import commit_import, validate_import
from tests import factories

HEADERS = [
    "given_names",
    "first_surname",
    "national_id",
    "sex",
    "birth_date",
    "arrested_on",
    "facility",
    "charges",
    "source_url",
    "source_kind",
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference(db):
    from cases.models import Charge

    place = factories.facility(name="Rodeo I", aliases=["El Rodeo Uno"])
    charge = Charge.objects.create(name="Traición a la patria", name_en="Treason")
    return {"facility": place, "charge": charge}


def row(**values) -> dict:
    base = {
        "given_names": "Ana",
        "first_surname": "Prueba",
        "national_id": "",
        "sex": "F",
        "birth_date": "",
        "arrested_on": "2024-05-10",
        "facility": "Rodeo I",
        "charges": "",
        "source_url": "",
        "source_kind": "",
    }
    base.update(values)
    return base


def csv_bytes(rows: list[dict], *, delimiter=",", encoding="utf-8", language="es") -> bytes:
    fields = list(dict.fromkeys(field for values in rows for field in values)) or HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    header = COLUMNS_BY_FIELD
    writer.writerow([getattr(header[f], language) for f in fields])
    for values in rows:
        writer.writerow([values.get(f, "") for f in fields])
    return buffer.getvalue().encode(encoding)


def make_job(data: bytes, name: str = "casos.csv", user=None) -> ImportJob:
    return ImportJob.objects.create(
        file=ContentFile(data, name=name), original_name=name, created_by=user
    )


def validated(data: bytes, name: str = "casos.csv", user=None) -> ImportJob:
    job = make_job(data, name, user)
    validate_import.delay(job.pk)
    job.refresh_from_db()
    return job


def committed(job: ImportJob, user) -> ImportJob:
    commit_import.delay(job.pk, user.pk)
    job.refresh_from_db()
    return job
