"""Benchmark the daily detained-count series over 12 years (DESIGN §7: <= 300 ms at a million
episodes), beside a naive per-day COUNT loop, in the same run.

    manage.py generate_people --count 1000000
    manage.py migrate stats
    manage.py bench_stats [--years 12] [--repeat 20] [--baseline-days 30]

Measured, in-process and server side (no HTTP):

1. served: `stats.queries.series(start, end, "day")`, what the page and the CSV call: the
   stored daily figures for every day of the period (p50 / p95 / max over --repeat runs, after
   a warm-up);
2. recompute: `stats.services.daily_figures_refresh()`, the Celery beat task that rebuilds the
   stored figures from every episode (what keeps them at most minutes behind the records);
3. live SQL: the same series straight from the episodes (`queries.live_daily_series`), the
   query that the recompute stores;
4. baseline: one naive COUNT(DISTINCT person) query per day. Running it for all ~4,400 days
   takes many minutes, so --baseline-days days spread over the period are timed and the mean
   is extrapolated to the whole period (printed as such).

For information (no target), the counts on a date that the page computes live: every status
(today and the middle of the period), and the breakdowns of the people in custody.

Every sampled day's baseline count is checked against the served and live series.
"""

from __future__ import annotations

import datetime
import statistics
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from bench.measure import Target, machine, percentile, repeated, timed
from lib.approved import reading_approved
from registry.models import published_sql
from stats import queries, services

TARGET = Target("<=", 300, " ms")

NAIVE_DAY_SQL = f"""
SELECT count(DISTINCT d.person_id)
FROM cases_detention d
JOIN registry_person p ON p.id = d.person_id
WHERE {published_sql("p")}
    AND d.arrested_on <= %s AND (d.ended_on IS NULL OR d.ended_on > %s)
"""  # noqa: S608 - fixed SQL fragments


class Command(BaseCommand):
    help = "Time the 12-year daily series (stored, recomputed, live) against a per-day COUNT loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=12)
        parser.add_argument("--repeat", type=int, default=20, help="Runs of the served series.")
        parser.add_argument(
            "--baseline-days", type=int, default=30, help="Days of the naive loop to time."
        )
        parser.add_argument("--live-repeat", type=int, default=3)

    def handle(self, *args, **options) -> None:
        # What the public sees: the approved projection (lib/approved.py).
        with reading_approved():
            self.measure(*args, **options)

    def measure(self, *args: Any, **options: Any) -> None:
        if options["years"] < 1 or options["repeat"] < 1 or options["baseline_days"] < 2:
            raise CommandError("--years and --repeat >= 1, --baseline-days >= 2.")
        end = timezone.localdate()
        start = end.replace(year=end.year - options["years"])
        days = (end - start).days + 1
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {published_sql('p')}) "  # noqa: S608
                "FROM cases_detention d JOIN registry_person p ON p.id = d.person_id"
            )
            episodes, published_episodes = cursor.fetchone()
        if episodes < 1000:
            raise CommandError("Too few episodes: run manage.py generate_people first.")
        self.stdout.write(
            f"Statistics benchmark: {episodes:,} detention episodes ({published_episodes:,} of "
            f"published people); {machine()}"
        )
        self.stdout.write(f"Period: {start} to {end}, {days:,} days, one point per day")

        recompute_ms, stored_days = timed(lambda: services.daily_figures_refresh(today=end))

        queries.series(start, end, queries.DAY)  # warm-up
        served_ms, series = repeated(
            lambda: queries.series(start, end, queries.DAY), options["repeat"]
        )
        if len(series) != days:
            raise CommandError(f"The served series has {len(series)} points, not {days}.")

        live_ms, live = repeated(
            lambda: queries.live_daily_series(start, end), options["live_repeat"]
        )

        step = (days - 1) / (options["baseline_days"] - 1)
        sample = sorted(
            {
                start + datetime.timedelta(days=round(i * step))
                for i in range(options["baseline_days"])
            }
        )
        naive_ms, naive = [], {}
        with connection.cursor() as cursor:
            cursor.execute(NAIVE_DAY_SQL, [sample[0], sample[0]])  # warm-up
            for day in sample:
                ms, _ = timed(lambda day=day: cursor.execute(NAIVE_DAY_SQL, [day, day]))
                naive[day] = cursor.fetchone()[0]
                naive_ms.append(ms)
        naive_total_s = statistics.mean(naive_ms) * days / 1000

        middle = start + datetime.timedelta(days=days // 2)
        as_of = {
            f"counts on a date, every status ({end})": lambda: queries.status_counts_on(end),
            f"counts on a date, every status ({middle})": lambda: queries.status_counts_on(middle),
            f"breakdowns of people in custody ({end})": lambda: queries.breakdowns_on(end),
        }
        as_of_ms = {name: repeated(run, 3)[0] for name, run in as_of.items()}

        served = {point.starts_on: point.in_custody for point in series}
        lived = {point.starts_on: point.in_custody for point in live}
        mismatches = [day for day in sample if not (naive[day] == served[day] == lived[day])]
        served_p50 = percentile(served_ms, 0.5)
        served_p95 = percentile(served_ms, 0.95)

        rows = [
            (
                f"served: stored daily figures ({options['repeat']} runs)",
                f"{served_p50:,.1f}",
                f"{served_p95:,.1f}",
                f"{max(served_ms):,.1f}",
            ),
            (
                f"live SQL from the episodes ({options['live_repeat']} runs)",
                f"{percentile(live_ms, 0.5):,.0f}",
                "",
                f"{max(live_ms):,.0f}",
            ),
            ("recompute + store (beat task, 1 run)", f"{recompute_ms:,.0f}", "", ""),
            (
                f"naive per-day COUNT, mean of {len(sample)} sampled days",
                f"{percentile(naive_ms, 0.5):,.0f}",
                f"{percentile(naive_ms, 0.95):,.0f}",
                f"{max(naive_ms):,.0f}",
            ),
        ]
        self.stdout.write("")
        self.stdout.write(f"{'what':<52} {'p50 ms':>10} {'p95 ms':>10} {'max ms':>10}")
        for name, p50, p95, largest in rows:
            self.stdout.write(f"{name:<52} {p50:>10} {p95:>10} {largest:>10}")
        for name, timings in as_of_ms.items():
            self.stdout.write(
                f"{name + ' (3 runs)':<52} {percentile(timings, 0.5):>10,.0f} {'':>10} "
                f"{max(timings):>10,.0f}"
            )
        self.stdout.write("")
        self.stdout.write(
            f"Naive loop over all {days:,} days: about {naive_total_s:,.0f} s "
            f"({naive_total_s / 60:,.1f} min), extrapolated from the mean of {len(sample)} "
            f"sampled days ({statistics.mean(naive_ms):,.0f} ms each): "
            f"{naive_total_s * 1000 / served_p50:,.0f}x the served series' p50."
        )
        self.stdout.write(
            f"Stored days: {stored_days:,}; in custody at the end: {series[-1].in_custody:,}; "
            f"sampled days agreeing (naive = served = live): {len(sample) - len(mismatches)}"
            f"/{len(sample)}"
        )
        self.stdout.write(
            TARGET.line(
                f"daily series over {options['years']} years, served p95",
                served_p95,
                baseline=f"naive loop about {naive_total_s * 1000:,.0f} ms, extrapolated",
            )
        )
        if mismatches:
            raise CommandError(f"Counts disagree on {mismatches[:5]}")
