"""Benchmark the public name search at the current database size (DESIGN §7).

    manage.py generate_people --count 1000000
    manage.py bench_search [--people 200] [--baseline 30] [--seed 1] [--repeat 1]

A deterministic sample of published people whose full name is unique (accents and case
ignored) gives the queries, in six variants each (bench.variants): the exact full name, the
name without accents, one typo in a surname, the surnames swapped, the second surname missing,
and a partial name (the given names and the start of the first surname, as someone still
typing).

For each query `search_names(Person.objects.published(), query, limit=10)` is timed in-process
(server side: the three round trips the search makes, without any HTTP), after a warm-up pass.
Recall@10 is the share of queries whose intended person is among the first 10 results. A
query is "clear" when fewer than 10 published people carry every word of it (the typo undone,
the partial word as a prefix): only then can any ranking promise the person a place in the first
10 ("Manuel Pérez", second surname missing, matches hundreds of people equally well). Recall is
given for all queries and for the clear ones; the DESIGN target (names not ambiguous in the
data) is judged on the clear ones.

The baseline is the naive scan DESIGN §7 compares with, on a sample of the same queries:
    SELECT id FROM registry_person WHERE record_state = 'published'
    AND registro_unaccent(lower(given_names || ' ' || first_surname || ' ' || second_surname))
        ILIKE '%' || registro_unaccent(lower(<query>)) || '%' LIMIT 10
"""

from __future__ import annotations

import dataclasses
import importlib
import random
import statistics
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from bench.measure import Target, machine, percentile, timed
from bench.variants import TARGET_VARIANTS, VARIANTS, Variant, name_variants
from lib.approved import reading_approved
from registry.models import Person, published_sql
from registry.search import NORMALISE_SQL, normalise

TARGET_P95 = Target("<=", 50, " ms")
TARGET_SPEEDUP = Target(">=", 30, "x", digits=0)
TARGET_RECALL = Target(">=", 98, "%")  # of the clear queries of the DESIGN variants
RESULTS = 10
SearchFunction = Callable[..., QuerySet]


@dataclasses.dataclass
class Query:
    person_id: int
    variant: Variant
    clear: bool = True
    search_ms: float = 0.0
    found: bool = False
    top: str = ""
    baseline_ms: float | None = None
    baseline_found: bool | None = None


NORMALISED_FULL_NAME = NORMALISE_SQL.format(
    "p.given_names || ' ' || p.first_surname || ' ' || p.second_surname"
)
BASELINE_SQL = f"""
    SELECT id FROM registry_person
    WHERE {published_sql("registry_person")}
      AND registro_unaccent(lower(given_names || ' ' || first_surname || ' ' || second_surname))
          ILIKE '%%' || registro_unaccent(lower(%s)) || '%%'
    LIMIT 10
"""  # noqa: S608 - fixed SQL fragments, the query is a parameter


class Command(BaseCommand):
    help = "Measure name search latency and recall at the current size, against a naive scan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=200, help="People in the sample.")
        parser.add_argument("--baseline", type=int, default=30, help="Queries for the baseline.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--repeat", type=int, default=1, help="Timed passes over queries.")
        parser.add_argument("--misses", type=int, default=15, help="Misses to list.")
        parser.add_argument("--plan", action="store_true", help="Print the sampled query plans.")
        parser.add_argument(
            "--search-function",
            default="registry.search.search_names",
            help="Dotted path of the search to measure (to compare a candidate change).",
        )

    def handle(self, *args, **options) -> None:
        # What the public sees: the approved projection (lib/approved.py).
        with reading_approved():
            self.measure(*args, **options)

    def measure(self, *args: Any, **options: Any) -> None:
        seed: int = options["seed"]
        search: SearchFunction = import_string(options["search_function"])
        published = Person.objects.published()
        total = Person.objects.count()
        published_count = published.count()
        if published_count < options["people"]:
            raise CommandError("Too few published people: run manage.py generate_people first.")
        self.stdout.write(
            f"Name search benchmark: {total:,} people ({published_count:,} published), "
            f"seed {seed}, search {options['search_function']}; {machine()}"
        )

        queries = self._queries(options["people"], seed)
        people = len({q.person_id for q in queries})
        self.stdout.write(
            f"Sample: {people} published people with a unique full name, {len(queries)} queries"
        )

        # Warm-up: every query once, and the baseline scan twice (fills the caches).
        for query in queries:
            list(search(published, query.variant.text, limit=RESULTS))
        baseline_queries = self._baseline_sample(queries, options["baseline"])
        for query in baseline_queries[:2]:
            self._baseline(query.variant.text)

        timings: dict[int, list[float]] = {id(q): [] for q in queries}
        for _pass in range(options["repeat"]):
            for query in queries:
                ms, results = timed(
                    lambda q=query: list(search(published, q.variant.text, limit=RESULTS))
                )
                timings[id(query)].append(ms)
                query.found = any(person.pk == query.person_id for person in results)
                query.top = results[0].name if results else "(nothing)"
        for query in queries:
            query.search_ms = statistics.median(timings[id(query)])

        for query in baseline_queries:
            query.baseline_ms, ids = timed(lambda q=query: self._baseline(q.variant.text))
            query.baseline_found = query.person_id in ids

        # The search's own first two round trips (normalise, typo corrections), when its module
        # has them apart (a candidate given by --search-function may not).
        prepare_query = getattr(importlib.import_module(search.__module__), "prepare_query", None)
        prepare = []
        if prepare_query is not None:
            prepare = [timed(lambda q=q: prepare_query(q.variant.text))[0] for q in queries]
        self._report(queries, baseline_queries, prepare, search, options)

    # -- the sample --------------------------------------------------------------------------

    def _queries(self, people: int, seed: int) -> list[Query]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, public_id, given_names, first_surname, second_surname "  # noqa: S608
                f"FROM registry_person WHERE {published_sql('registry_person')} "
                "ORDER BY md5(public_id || %s), id LIMIT %s",
                [str(seed), people * 2],
            )
            candidates = cursor.fetchall()
            cursor.execute(
                f"""
                SELECT s.id, (
                    SELECT count(*) FROM registry_person p
                    WHERE {published_sql("p")}
                      AND p.search_vector @@ plainto_tsquery('simple', s.name)
                      AND {NORMALISED_FULL_NAME} = s.name
                )
                FROM (
                    SELECT p.id, {NORMALISED_FULL_NAME} AS name
                    FROM registry_person p WHERE p.id = ANY(%s)
                ) AS s
                """,  # noqa: S608 (no user input: fixed SQL fragments)
                [[row[0] for row in candidates]],
            )
            namesakes = dict(cursor.fetchall())
        unique = [row for row in candidates if namesakes.get(row[0]) == 1][:people]
        queries = []
        for person_id, public_id, given, first_surname, second_surname in unique:
            rng = random.Random(f"{seed}:{public_id}")
            for variant in name_variants(given, first_surname, second_surname, rng):
                queries.append(Query(person_id, variant))
        self._mark_clear(queries)
        return queries

    @staticmethod
    def _mark_clear(queries: list[Query]) -> None:
        with connection.cursor() as cursor:
            for query in queries:
                words = normalise(query.variant.correct_text)
                terms = [f"'{word}'" for word in words]
                if query.variant.prefix and terms:
                    terms[-1] += ":*"
                cursor.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM registry_person "  # noqa: S608
                    f"WHERE {published_sql('registry_person')} "
                    "AND search_vector @@ to_tsquery('simple', %s) LIMIT %s) AS t",
                    [" & ".join(terms), RESULTS],
                )
                query.clear = cursor.fetchone()[0] < RESULTS

    @staticmethod
    def _baseline_sample(queries: list[Query], count: int) -> list[Query]:
        """`count` queries spread over the variants, in sample order."""
        by_kind: dict[str, list[Query]] = {}
        for query in queries:
            by_kind.setdefault(query.variant.kind, []).append(query)
        chosen: list[Query] = []
        for index in range(max(len(v) for v in by_kind.values())):
            for kind in VARIANTS:
                if len(chosen) < count and index < len(by_kind.get(kind, [])):
                    chosen.append(by_kind[kind][index])
        return chosen

    @staticmethod
    def _baseline(text: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [text])
            return [row[0] for row in cursor.fetchall()]

    # -- the report --------------------------------------------------------------------------

    def _report(
        self,
        queries: list[Query],
        baseline_queries: list[Query],
        prepare_ms: list[float],
        search: SearchFunction,
        options: dict[str, Any],
    ) -> None:
        write = self.stdout.write
        write("")
        write(
            f"{'variant':<22}{'queries':>8}{'recall@10':>11}{'clear':>7}{'recall@10':>11}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        )
        write(f"{'':<37}{'(clear)':>19}")

        def row(label: str, group: list[Query]) -> None:
            clear = [q for q in group if q.clear]
            times = [q.search_ms for q in group]
            write(
                f"{label:<22}{len(group):>8}{_share(group):>11}{len(clear):>7}{_share(clear):>11}"
                f"{percentile(times, 0.5):>9.1f}{percentile(times, 0.95):>9.1f}{max(times):>9.1f}"
            )

        for kind, label in VARIANTS.items():
            row(label, [q for q in queries if q.variant.kind == kind])
        write("-" * 86)
        target_group = [q for q in queries if q.variant.kind in TARGET_VARIANTS]
        row("DESIGN variants (4)", target_group)
        row("all queries", queries)

        search_p95 = percentile([q.search_ms for q in queries], 0.95)
        search_p50 = percentile([q.search_ms for q in queries], 0.5)
        base_times = [q.baseline_ms for q in baseline_queries if q.baseline_ms is not None]
        same = [q.search_ms for q in baseline_queries]
        base_p95 = percentile(base_times, 0.95)
        base_found = sum(bool(q.baseline_found) for q in baseline_queries)
        write("")
        if prepare_ms:
            write(
                f"prepare (normalise + typo corrections, 2 round trips): p50 "
                f"{percentile(prepare_ms, 0.5):.1f} ms, p95 {percentile(prepare_ms, 0.95):.1f} ms"
            )
        write(
            f"baseline ILIKE '%q%' scan, {len(base_times)} queries: "
            f"p50 {percentile(base_times, 0.5):.1f} ms, p95 {base_p95:.1f} ms, "
            f"max {max(base_times):.1f} ms, recall@10 {base_found}/{len(baseline_queries)}"
        )
        write(
            f"search on the same {len(same)} queries: p50 {percentile(same, 0.5):.1f} ms, "
            f"p95 {percentile(same, 0.95):.1f} ms"
        )
        speedup = base_p95 / search_p95
        write(
            f"p95 ratio baseline / search: {speedup:.0f}x (same queries: "
            f"{base_p95 / percentile(same, 0.95):.0f}x)"
        )
        self._explain(queries, baseline_queries[0], search, options["plan"])

        recall = sum(q.found for q in target_group) / len(target_group)
        clear_group = [q for q in target_group if q.clear]
        clear_recall = sum(q.found for q in clear_group) / max(len(clear_group), 1)
        write("")
        write(f"search p50 {search_p50:.1f} ms, p95 {search_p95:.1f} ms")
        write(
            TARGET_P95.line(
                "search p95", search_p95, baseline=f"baseline ILIKE scan p95 {base_p95:,.1f} ms"
            )
        )
        write(
            TARGET_SPEEDUP.line(
                "baseline p95 / search p95",
                speedup,
                baseline=f"{base_p95:,.1f} ms / {search_p95:.1f} ms",
            )
        )
        write(
            TARGET_RECALL.line(
                f"recall@10 on the DESIGN variants, {len(clear_group)} clear queries (DESIGN: "
                f"names not ambiguous in the data)",
                clear_recall * 100,
                baseline=f"all {len(target_group)} queries: {recall:.1%}; baseline scan "
                f"{base_found}/{len(baseline_queries)}",
            )
        )
        misses = [q for q in queries if not q.found]
        if misses and options["misses"]:
            write("")
            write(f"misses (first {min(options['misses'], len(misses))} of {len(misses)}):")
            for query in misses[: options["misses"]]:
                flag = "" if query.clear else " [ambiguous]"
                write(
                    f"  {query.variant.kind:<18} {query.variant.text!r} "
                    f"(intended {query.variant.correct_text!r}){flag} -> first: {query.top!r}"
                )

    def _explain(
        self, queries: list[Query], baseline: Query, search: SearchFunction, show_plan: bool
    ) -> None:
        """EXPLAIN ANALYZE the main query of the median and of the slowest search, and one scan."""
        ordered = sorted(queries, key=lambda q: q.search_ms)
        samples = [("median", ordered[len(ordered) // 2]), ("slowest", ordered[-1])]
        published = Person.objects.published()
        with connection.cursor() as cursor:
            for label, query in samples:
                queryset = search(published, query.variant.text, limit=RESULTS)
                sql, params = queryset.query.sql_with_params()
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
                self._write_plan(f"{label} search {query.variant.text!r}", plan, show_plan)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + BASELINE_SQL, [baseline.variant.text])
            plan = [row[0] for row in cursor.fetchall()]
            self._write_plan(f"baseline {baseline.variant.text!r}", plan, show_plan)

    def _write_plan(self, label: str, plan: list[str], show_plan: bool) -> None:
        summary = ", ".join(
            line.strip().lower() for line in plan if line.startswith(("Planning Time", "Execution"))
        )
        self.stdout.write(f"EXPLAIN ANALYZE {label}: {summary}")
        if show_plan:
            for line in plan:
                self.stdout.write(f"    {line}")


def _share(group: list[Query]) -> str:
    if not group:
        return "-"
    return f"{sum(q.found for q in group) / len(group):.1%}"
