"""Write the approved tables again from the latest approved versions (docs/publication.md)."""

import time

from django.core.management.base import BaseCommand

from cases import projection, services


class Command(BaseCommand):
    help = (
        "Write the approved tables again from each published person's latest approved version "
        "(migrate does it by itself when a projected table changes shape). With --adopt, first "
        "give published people without a version their first one, from their data as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--adopt", action="store_true")

    def handle(self, *args, adopt=False, **options):
        projection.ensure_approved_tables()
        if adopt:
            started = time.perf_counter()
            adopted = services.adopt_published_without_version()
            seconds = time.perf_counter() - started
            self.stdout.write(f"adopted {adopted} people in {seconds:.1f} s")
        started = time.perf_counter()
        count = projection.rebuild()
        seconds = time.perf_counter() - started
        rate = count / seconds if seconds else 0
        self.stdout.write(f"projected {count} people in {seconds:.1f} s ({rate:,.0f} people/s)")
