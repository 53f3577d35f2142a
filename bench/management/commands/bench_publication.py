"""Benchmark the approved projection (issue #12; docs/publication.md), beside a baseline measured
in the same run:

    manage.py generate_people --count 1000000     # approves its published people (version 1)
    manage.py bench_publication [--people 200]

1. Approving one person (`services.approve_version`: their document, a new immutable version,
   their approved rows written again with the derived fields): p50/p95 over `--people`
   published people chosen at random, inside a transaction that is rolled back, so that the
   data set is left as it was. Baseline: `person_refresh_status` of the same people, the
   working side's own per-person write (target p95 <= 50 ms).
2. Re-projecting everyone (`projection.rebuild`: new approved tables from each published
   person's latest version, what a migration of the projection's shape runs): people per
   second (target >= 5,000/s). Baseline: copying the working person rows into a temporary
   table with their generated search columns (`CREATE TABLE … AS`), the floor of any rewrite.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from bench.measure import Target, machine, percentile
from cases import projection, services
from registry.models import Person

APPROVE = Target("<=", 50, " ms")
REBUILD = Target(">=", 5000, " people/s", digits=0)


class Command(BaseCommand):
    help = "Benchmark approving one person and re-projecting everyone (docs/publication.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=200)
        parser.add_argument("--seed", type=int, default=12)

    def handle(self, *args: Any, **options: Any) -> None:
        published = list(Person.objects.published().values_list("pk", flat=True))
        if len(published) < options["people"]:
            raise CommandError("Too few published people: run manage.py generate_people first.")
        chosen = random.Random(options["seed"]).sample(published, options["people"])
        self.stdout.write(machine())
        self.stdout.write(f"{len(published):,} published people; {len(chosen)} measured")

        approve, refresh = [], []
        with transaction.atomic():
            for pk in chosen:
                person = Person.objects.get(pk=pk)
                started = time.perf_counter()
                services.person_refresh_status(person=person, touch=False)
                refresh.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                services.approve_version(person=person, approved_by=None)
                approve.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
        p95 = percentile(approve, 0.95)
        self.stdout.write(
            f"approve one person: p50 {percentile(approve, 0.5):.1f} ms, p95 {p95:.1f} ms "
            f"(baseline person_refresh_status: p50 {percentile(refresh, 0.5):.1f} ms, "
            f"p95 {percentile(refresh, 0.95):.1f} ms)"
        )
        self.stdout.write(
            APPROVE.line(
                "approve p95",
                p95,
                baseline=f"person_refresh_status p95 {percentile(refresh, 0.95):.1f} ms",
            )
        )

        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_people ON COMMIT DROP AS "
                "SELECT * FROM public.registry_person WHERE record_state = 'published'"
            )
        baseline = len(published) / (time.perf_counter() - started)
        started = time.perf_counter()
        count = projection.rebuild()
        seconds = time.perf_counter() - started
        rate = count / seconds
        self.stdout.write(
            f"re-project everyone: {count:,} people in {seconds:.1f} s, {rate:,.0f} people/s "
            f"(baseline copy of the person rows: {baseline:,.0f} people/s)"
        )
        self.stdout.write(
            REBUILD.line("re-projection rate", rate, baseline=f"row copy {baseline:,.0f} people/s")
        )
