"""Benchmark the streamed exports at the current database size (DESIGN §7, issue #5).

    manage.py generate_people --count 1000000
    manage.py bench_export [--format csv|jsonl|both] [--tier public|partner|both] [--limit N]

Each run sends one GET to the export view in this process (RequestFactory: the view, its
filters, throttles and the streaming response, without a network socket) and reads the whole
stream, as a client would. The public tier goes through the view as an anonymous caller; the
partner tier is the same view with the tier forced, so that no API key needs to exist in the
benchmark database. It prints rows, bytes, seconds, rows per second and the peak resident memory
of the process (`ru_maxrss`, which never goes down: the figure after the last run is the peak
over all of them), next to the targets: at least 25,000 rows/s and under 200 MB.
"""

from __future__ import annotations

import resource
import time

from django.core.management.base import BaseCommand, CommandParser
from django.test import RequestFactory
from django.urls import reverse

from api import views
from lib.privacy import Tier

TARGET_ROWS_PER_SECOND = 25_000
TARGET_PEAK_RSS_MB = 200


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class ForcedTierMixin:
    forced_tier = Tier.PUBLIC

    def get(self, request):
        original = views.request_tier
        views.request_tier = lambda _request: self.forced_tier
        try:
            return super().get(request)
        finally:
            views.request_tier = original


class Command(BaseCommand):
    help = "Time the CSV and JSON-lines exports of published people; print rows/s and peak RSS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "jsonl", "both"], default="both")
        parser.add_argument("--tier", choices=["public", "partner", "both"], default="both")

    def handle(self, *args, **options) -> None:
        formats = ["csv", "jsonl"] if options["format"] == "both" else [options["format"]]
        tiers = ["public", "partner"] if options["tier"] == "both" else [options["tier"]]
        self.stdout.write(f"peak RSS before the first export: {peak_rss_mb():.0f} MB")
        header = f"{'export':<8}{'tier':<9}{'rows':>10}{'MB':>8}{'s':>8}{'rows/s':>10}"
        self.stdout.write(header + f"{'peak RSS MB':>13}")
        results = []
        for export_format in formats:
            for tier in tiers:
                rows, size, seconds = self.run_export(export_format, Tier(tier))
                rate = rows / seconds if seconds else 0.0
                results.append(rate)
                self.stdout.write(
                    f"{export_format:<8}{tier:<9}{rows:>10,}{size / 1e6:>8.1f}{seconds:>8.1f}"
                    f"{rate:>10,.0f}{peak_rss_mb():>13.0f}"
                )
        slowest, peak = min(results), peak_rss_mb()
        self.stdout.write(
            f"slowest {slowest:,.0f} rows/s (target >= {TARGET_ROWS_PER_SECOND:,}): "
            f"{'met' if slowest >= TARGET_ROWS_PER_SECOND else 'MISSED'}; "
            f"peak RSS {peak:.0f} MB (target < {TARGET_PEAK_RSS_MB}): "
            f"{'met' if peak < TARGET_PEAK_RSS_MB else 'MISSED'}"
        )

    def run_export(self, export_format: str, tier: Tier) -> tuple[int, int, float]:
        base = views.CsvExportView if export_format == "csv" else views.JsonLinesExportView
        view = type("BenchExportView", (ForcedTierMixin, base), {"forced_tier": tier}).as_view()
        name = f"api:export-persons-{export_format}"
        request = RequestFactory().get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
        started = time.perf_counter()
        response = view(request)
        assert response.status_code == 200, response.status_code
        lines = size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        seconds = time.perf_counter() - started
        rows = lines - 1 if export_format == "csv" else lines  # the CSV header row
        return rows, size, seconds
