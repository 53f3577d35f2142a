"""Benchmark the facility pages' "people held now" counts (DESIGN §7: lists <= 100 ms), beside
the query they replaced, in the same run.

    manage.py generate_people --count 1000000
    STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
        manage.py bench_facilities [--repeat 30]   # pages without collectstatic

Measured, in-process:

1. the counts alone, `Facility.objects.with_people_held(Person.objects.published())`: one
   correlated count per facility over the published people (the index on the current
   facility);
2. baseline: the same counts as one LEFT JOIN of every person with a filtered COUNT, the query
   the list and the API ran before (results compared: they must be equal);
3. the rendered public list `/centros/` and the API's `/api/v1/facilities/`, through Django's
   test client (no network): what a visitor and a partner ask for.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.test import Client

from bench.measure import Target, machine, percentile, repeated
from facilities.models import Facility
from lib.approved import reading_approved
from registry.models import Person, RecordState

TARGET = Target("<=", 100, " ms")


def counts() -> list[tuple[str, int]]:
    published = Person.objects.published()
    held = Facility.objects.with_people_held(published).order_by("-people_held", "name")
    return list(held.values_list("slug", "people_held"))


def baseline_counts() -> list[tuple[str, int]]:
    held_here = Q(current_detainees__record_state=RecordState.PUBLISHED)
    rows = Facility.objects.annotate(held=Count("current_detainees", filter=held_here))
    return list(rows.order_by("-held", "name").values_list("slug", "held"))


class Command(BaseCommand):
    help = "Time the facility pages' counts at the current data, beside the former query."

    def add_arguments(self, parser: CommandParser) -> None:
        # The API allows an anonymous client 60 requests a minute (API_RATE_ANONYMOUS).
        parser.add_argument("--repeat", type=int, default=30)

    def handle(self, *args, **options) -> None:
        # What the public sees: the approved projection (lib/approved.py).
        with reading_approved():
            self.measure(*args, **options)

    def measure(self, *args: Any, **options: Any) -> None:
        repeat = options["repeat"]
        people = Person.objects.count()
        if people < 1000:
            raise CommandError("Too few people: run manage.py generate_people first.")
        self.stdout.write(machine())
        self.stdout.write(
            f"{people:,} people, {Person.objects.published().count():,} published, "
            f"{Facility.objects.count()} facilities; {repeat} runs each after a warm-up"
        )
        if counts() != baseline_counts():
            raise CommandError("The counts differ from the baseline's.")

        client = Client(headers={"accept-language": "es"})

        def get(path: str):
            response = client.get(path)
            if response.status_code != 200:  # e.g. the API's anonymous rate limit: --repeat
                raise CommandError(f"{path} answered {response.status_code}")
            return response

        measured = {
            "counts": counts,
            "baseline counts (LEFT JOIN + COUNT)": baseline_counts,
            "page /centros/": lambda: get("/centros/"),
            "API /api/v1/facilities/": lambda: get("/api/v1/facilities/?page_size=100"),
        }
        figures = {}
        for name, call in measured.items():
            call()  # warm-up
            timings, _ = repeated(call, repeat)
            figures[name] = (percentile(timings, 0.5), percentile(timings, 0.95))
            p50, p95 = figures[name]
            self.stdout.write(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")

        baseline = figures["baseline counts (LEFT JOIN + COUNT)"][1]
        for name in ("counts", "page /centros/", "API /api/v1/facilities/"):
            self.stdout.write(
                TARGET.line(f"{name} p95", figures[name][1], baseline=f"baseline {baseline:.1f} ms")
            )
