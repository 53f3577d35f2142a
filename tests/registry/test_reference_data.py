import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from cases.models import Charge
from facilities.models import Facility, OperatingStatus

pytestmark = pytest.mark.django_db

SHARED = Path(settings.BASE_DIR).parent / "shared" / "data"
PROJECT = Path(settings.BASE_DIR)


def test_every_facility_and_charge_of_the_reference_data_is_loaded():
    call_command("load_reference_data")
    with (PROJECT / "facilities/data/facilities.csv").open(encoding="utf-8") as handle:
        facility_names = {row["name"] for row in csv.DictReader(handle)}
    with (PROJECT / "cases/data/charges.csv").open(encoding="utf-8") as handle:
        charge_rows = [(row["name_es"], row["name_en"]) for row in csv.DictReader(handle)]
    assert set(Facility.objects.values_list("name", flat=True)) == facility_names
    assert set(Charge.objects.values_list("name_es", "name_en")) == set(charge_rows)
    helicoide = Facility.objects.get(name="El Helicoide")
    assert helicoide.operating_status == OperatingStatus.CLOSURE_ANNOUNCED
    assert helicoide.aliases == ["Helicoide", "Sede del SEBIN en El Helicoide"]
    assert helicoide.description_es.startswith("Cierre anunciado")


@pytest.mark.skipif(not SHARED.exists(), reason="shared/data is not beside this checkout")
def test_the_project_copy_covers_the_shared_starter_data():
    with (SHARED / "facilities.csv").open(encoding="utf-8") as handle:
        shared = {row["name"] for row in csv.DictReader(handle)}
    with (PROJECT / "facilities/data/facilities.csv").open(encoding="utf-8") as handle:
        ours = {row["name"] for row in csv.DictReader(handle)}
    assert shared <= ours


def test_reloading_never_overwrites_staff_corrections():
    call_command("load_reference_data")
    facility = Facility.objects.get(name="El Helicoide")
    facility.city = "Caracas (San Agustín)"
    facility.save()
    charge = Charge.objects.get(article="128")
    charge.name_en = "High treason"
    charge.save()
    call_command("load_reference_data")
    assert Facility.objects.get(pk=facility.pk).city == "Caracas (San Agustín)"
    assert Charge.objects.get(pk=charge.pk).name_en == "High treason"
    assert Facility.objects.filter(name="El Helicoide").count() == 1
