"""Small helpers for the statistics tests: releases through the services, short counts."""

import datetime

from cases import services
from cases.models import ReleaseKind
from stats import queries
from tests import factories


def release(detention, on: datetime.date, *, conditions=(), precision="day", verified=True):
    released = services.release_record(
        detention=detention,
        released_on=on,
        released_on_precision=precision,
        kind=ReleaseKind.PRECAUTIONARY_MEASURES if conditions else ReleaseKind.UNCONDITIONAL,
        conditions=conditions,
    )
    if verified:
        services.release_verify(release=released, by=factories.verifier())
    return released


def statuses_on(day: datetime.date, **filters) -> dict[str, int]:
    """Only the statuses with someone in them, for short assertions."""
    counts = queries.status_counts_on(day, queries.Filters(**filters))
    return {status: count for status, count in counts.items() if count}


def custody_on(day: datetime.date) -> int:
    return queries.in_custody(queries.status_counts_on(day))


def series_by_day(start: datetime.date, end: datetime.date) -> dict[datetime.date, tuple]:
    return {
        point.starts_on: (point.in_custody, point.arrests, point.releases)
        for point in queries.series(start, end, queries.DAY)
    }
