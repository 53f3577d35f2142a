"""Writes of the statistics app: the stored daily series and the monthly snapshots.

Both are idempotent (DESIGN §5.10) and serialised with a transaction-level advisory lock, so a
Celery beat run and a manual command can overlap safely.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.approved import reading_approved
from stats import queries
from stats.models import ExternalTotal, MonthlySnapshot

# pg_advisory_xact_lock keys (any constant unique to the app).
DAILY_FIGURES_LOCK = 7_351_001
SNAPSHOT_LOCK = 7_351_002
# Bumped when a rule changes what a figure counts; stored in every snapshot.
RULES_VERSION = 1

INSERT_DAILY_FIGURES_SQL = (
    "INSERT INTO stats_dailyfigure (day, in_custody, arrests, releases, computed_at) "  # noqa: S608 (fixed SQL text)
    f"SELECT series.*, %(now)s FROM ({queries.LIVE_DAILY_SERIES_SQL}) AS series"
)


def _lock(key: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def daily_figures_refresh(*, today: datetime.date | None = None) -> int:
    """Recompute the stored daily series from the first arrest of a published person to today.

    Readers keep seeing the previous rows until this transaction commits. Returns the number of
    days stored.
    """
    today = today or timezone.localdate()
    _lock(DAILY_FIGURES_LOCK)
    # Public figures count approved versions only (lib/approved.py).
    with reading_approved(), connection.cursor() as cursor:
        start = min(queries.first_arrest() or today, today)
        cursor.execute(f"SET LOCAL work_mem = '{queries.WORK_MEM}'")
        cursor.execute("DELETE FROM stats_dailyfigure")
        cursor.execute(
            INSERT_DAILY_FIGURES_SQL, {"start": start, "end": today, "now": timezone.now()}
        )
        return cursor.rowcount


# ---------------------------------------------------------------------------------------------
# Monthly snapshots.


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _as_json(value) -> dict:
    """The figures exactly as they will read back from the JSON column (dates as ISO text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot_figures(month: datetime.date) -> dict:
    """Every public figure of `month`, computed now from the episodes (not the stored series).

    Status counts and breakdowns are those at the end of the month's last day. Codes are
    stored rather than translated labels (the page translates them); facility names are stored
    as they were, since a facility may be renamed later.
    """
    with reading_approved():
        return _snapshot_figures(month)


def _snapshot_figures(month: datetime.date) -> dict:
    first, last = month_bounds(month)
    counts = queries.status_counts_on(last)
    breakdowns = queries.breakdowns_on(last)
    days = queries.live_daily_series(first, last)
    claims = [line for line in queries.claims_ledger() if first <= line.claim.announced_on <= last]
    totals = ExternalTotal.objects.filter(counted_on__range=(first, last)).order_by(
        "counted_on", "organisation"
    )
    return _as_json(
        {
            "rules_version": RULES_VERSION,
            "month": first.strftime("%Y-%m"),
            "as_of": last,
            "status_counts": counts,
            "in_custody": queries.in_custody(counts),
            "arrests": sum(point.arrests for point in days),
            "releases": sum(point.releases for point in days),
            "days": [
                [point.starts_on, point.in_custody, point.arrests, point.releases] for point in days
            ],
            "breakdowns": {
                dimension: [
                    {"key": row.key, "count": row.count}
                    | ({"name": row.label} if dimension == "facility" else {})
                    for row in breakdown.rows
                ]
                for dimension, breakdown in breakdowns.items()
            },
            "claims": [
                {
                    "announced_on": line.claim.announced_on,
                    "claimant": line.claim.claimant,
                    "institution": line.claim.claimant_institution,
                    "claimed": line.claim.claimed_count,
                    "verified": line.verified,
                    "by_names": line.by_names,
                    "names": line.names,
                }
                for line in claims
            ],
            "external_totals": [
                {
                    "organisation": item.total.organisation,
                    "counted_on": item.total.counted_on,
                    "count": item.total.count,
                    "statuses": item.total.statuses,
                    "ours": item.ours,
                    "source_title": item.total.source_title,
                    "source_url": item.total.source_url,
                }
                for item in queries.coverage(totals)
            ],
        }
    )


@dataclasses.dataclass(frozen=True)
class FreezeResult:
    snapshot: MonthlySnapshot
    created: bool
    # Set when figures computed now differ from the latest revision and no revision was asked
    # for: a correction is waiting to be recorded.
    differs: bool = False


@transaction.atomic
def monthly_snapshot_freeze(
    *,
    month: datetime.date,
    revise: bool = False,
    reason: str = "",
    check: bool = False,
    today: datetime.date | None = None,
) -> FreezeResult:
    """Freeze `month` (a month that is over): the original the first time; with `revise`, a new
    revision that corrects the latest one, only when the figures changed, and with a reason.
    With `check`, say whether the figures changed since the latest revision (`differs`).
    """
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    if last >= today:
        raise ValidationError(_("Only a month that is over can be frozen."))
    _lock(SNAPSHOT_LOCK)
    latest = MonthlySnapshot.objects.of_month(first).last()
    if latest is not None and not (revise or check):
        return FreezeResult(latest, created=False)
    figures = snapshot_figures(first)
    if latest is None:
        snapshot = MonthlySnapshot.objects.create(
            month=first, revision=0, figures=figures, frozen_at=timezone.now()
        )
        return FreezeResult(snapshot, created=True)
    differs = figures != latest.figures
    if not (revise and differs):
        return FreezeResult(latest, created=False, differs=differs)
    if not reason.strip():
        raise ValidationError(_("A revision needs the reason for the correction."))
    snapshot = MonthlySnapshot.objects.create(
        month=first,
        revision=latest.revision + 1,
        corrects=latest,
        figures=figures,
        reason=reason.strip(),
        frozen_at=timezone.now(),
    )
    return FreezeResult(snapshot, created=True)


def previous_month_freeze(*, today: datetime.date | None = None) -> FreezeResult:
    """What Celery beat runs: freeze last month once (later runs change nothing)."""
    today = today or timezone.localdate()
    return monthly_snapshot_freeze(month=previous_month(today), today=today)
