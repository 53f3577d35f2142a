"""Benchmark the streamed exports at the current database size (DESIGN §7, issue #5).

    manage.py generate_people --count 1000000
    manage.py bench_export [--format csv|jsonl|both] [--tier public|partner|both] [--limit N]

Each run sends one GET to the export view in this process (RequestFactory: the view, its
filters, throttles and the streaming response, without a network socket) and reads the whole
stream, as a client would, or its first --limit rows (then closes it, as a client that goes
away). The public tier goes through the view as an anonymous caller; the partner tier is the
same view with the tier forced, so that no API key needs to exist in the benchmark database. It
prints rows, bytes, seconds, rows per second and the peak resident memory of the process
(VmHWM, never reset here: the figure after the last run is the peak over all of them), next to
the targets: at least 25,000 rows/s and under 200 MB.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import RequestFactory
from django.urls import reverse

from api import views
from bench.measure import Target, machine, peak_rss_mb, timed
from lib.approved import reading_approved
from lib.privacy import Tier

TARGET_RATE = Target(">=", 25_000, " rows/s", digits=0)
TARGET_PEAK_RSS = Target("<", 200, " MB", digits=0)


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
        parser.add_argument(
            "--limit", type=int, default=0, help="Read only the first N rows of each export."
        )

    def handle(self, *args, **options) -> None:
        # What the public sees: the approved projection (lib/approved.py).
        with reading_approved():
            self.measure(*args, **options)

    def measure(self, *args, **options) -> None:
        if options["limit"] < 0:
            raise CommandError("--limit must be >= 0 (0: the whole export).")
        formats = ["csv", "jsonl"] if options["format"] == "both" else [options["format"]]
        tiers = ["public", "partner"] if options["tier"] == "both" else [options["tier"]]
        self.stdout.write(f"Export benchmark: {machine()}")
        self.stdout.write(f"peak RSS before the first export: {peak_rss_mb():.0f} MB")
        header = f"{'export':<8}{'tier':<9}{'rows':>10}{'MB':>8}{'s':>8}{'rows/s':>10}"
        self.stdout.write(header + f"{'peak RSS MB':>13}")
        results = []
        for export_format in formats:
            for tier in tiers:
                ms, (rows, size) = timed(
                    lambda f=export_format, t=tier: self.run_export(f, Tier(t), options["limit"])
                )
                seconds = ms / 1000
                rate = rows / seconds if seconds else 0.0
                results.append(rate)
                self.stdout.write(
                    f"{export_format:<8}{tier:<9}{rows:>10,}{size / 1e6:>8.1f}{seconds:>8.1f}"
                    f"{rate:>10,.0f}{peak_rss_mb():>13.0f}"
                )
        self.stdout.write(TARGET_RATE.line("slowest export", min(results)))
        self.stdout.write(TARGET_PEAK_RSS.line("peak RSS over every export", peak_rss_mb()))

    def run_export(self, export_format: str, tier: Tier, limit: int) -> tuple[int, int]:
        """(rows, bytes) read from one export: all of it, or its first `limit` rows."""
        base = views.CsvExportView if export_format == "csv" else views.JsonLinesExportView
        view = type("BenchExportView", (ForcedTierMixin, base), {"forced_tier": tier}).as_view()
        name = f"api:export-persons-{export_format}"
        request = RequestFactory().get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
        response = view(request)
        assert response.status_code == 200, response.status_code
        header = 1 if export_format == "csv" else 0  # the CSV header row
        lines = size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
            if limit and lines - header >= limit:
                break
        response.close()
        return lines - header, size
