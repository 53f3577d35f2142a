"""The shape of the synthetic case data, shared by generate_people and bench_import: the
default seed, the period the detentions fall in and the waves of arrests within it."""

from __future__ import annotations

import bisect
import datetime
import itertools
import random

DEFAULT_SEED = 7

FIRST_DATE = datetime.date(2014, 1, 1)
LAST_DATE = datetime.date(2026, 1, 31)

# Waves of arrests (start, end, weight): 2014 and 2017 protests, 2019, after the 2024 election.
ARREST_WAVES: tuple[tuple[datetime.date, datetime.date, float], ...] = (
    (datetime.date(2014, 2, 12), datetime.date(2014, 6, 30), 3.0),
    (datetime.date(2017, 4, 1), datetime.date(2017, 8, 15), 3.0),
    (datetime.date(2019, 1, 21), datetime.date(2019, 5, 31), 2.0),
    (datetime.date(2024, 7, 29), datetime.date(2024, 10, 31), 4.0),
    (FIRST_DATE, LAST_DATE, 4.0),
)
_WAVE_WEIGHTS = list(itertools.accumulate(weight for *_, weight in ARREST_WAVES))


def date_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    """A day from `first` to `last`, both included (`first` if `last` is earlier)."""
    return first + datetime.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def arrest_date(rng: random.Random, *, latest: datetime.date = LAST_DATE) -> datetime.date:
    """A day of arrest: a wave drawn by its weight, then a day in it (no later than `latest`)."""
    pick = bisect.bisect_right(_WAVE_WEIGHTS, rng.random() * _WAVE_WEIGHTS[-1])
    first, last, _weight = ARREST_WAVES[min(pick, len(ARREST_WAVES) - 1)]
    return date_between(rng, first, min(last, latest))
