"""Load the starter facilities and charges (copied from shared/data into the project).

Only missing rows are created: staff correct reference data in the admin, and running this
again (every `make run` and deployment does) must never overwrite their corrections.
"""

import csv
import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from cases.models import Charge
from facilities.models import Facility

FACILITIES_CSV = Path(settings.BASE_DIR) / "facilities" / "data" / "facilities.csv"
CHARGES_CSV = Path(settings.BASE_DIR) / "cases" / "data" / "charges.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = "Create the reference facilities and charges that do not exist yet."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        facilities_created = 0
        for row in _rows(FACILITIES_CSV):
            announced = row["closure_announced_on"]
            facility = Facility(
                name=row["name"],
                slug=slugify(row["name"]),
                aliases=[alias for alias in row["aliases"].split("|") if alias],
                kind=row["kind"],
                operator=row["operator"],
                city=row["city"],
                state=row["state"],
                operating_status=row["operating_status"],
                closure_announced_on=datetime.date.fromisoformat(announced) if announced else None,
                description_es=row["description_es"],
                description_en=row["description_en"],
            )
            if not Facility.objects.filter(slug=facility.slug).exists():
                facility.full_clean()
                facility.save()
                facilities_created += 1

        charges_created = 0
        for row in _rows(CHARGES_CSV):
            if Charge.objects.filter(law=row["law"], article=row["article"]).exists():
                continue
            charge = Charge(
                name=row["name_es"],
                name_es=row["name_es"],
                name_en=row["name_en"],
                law=row["law"],
                article=row["article"],
            )
            charge.full_clean()
            charge.save()
            charges_created += 1

        self.stdout.write(
            f"Reference data: {facilities_created} facilities and {charges_created} charges "
            f"created ({Facility.objects.count()} and {Charge.objects.count()} in all)."
        )
