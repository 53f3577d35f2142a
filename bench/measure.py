"""What every benchmark measures with (DESIGN §7): timings, percentiles, resident memory, the
machine, and the verdict lines that put a figure beside its target and its baseline.

Timings are wall-clock milliseconds (`time.perf_counter`), in-process. Percentiles are
nearest-rank: p95 of 20 runs is the 19th smallest, p95 of 30 the 29th, p50 of an even number
the lower middle one. Memory is read from /proc/self/status (Linux): VmRSS now and VmHWM, the
peak since the process started or since `reset_peak_rss`.
"""

from __future__ import annotations

import dataclasses
import gc
import operator
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import django
import psycopg
from django.db import connection

T = TypeVar("T")


# -- time ------------------------------------------------------------------------------------


def timed(call: Callable[[], T]) -> tuple[float, T]:
    """Run `call` once: (milliseconds, its result)."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def repeated(call: Callable[[], T], runs: int) -> tuple[list[float], T]:
    """Run `call` `runs` times (at least once): (milliseconds of each run, the last result)."""
    timings = []
    for _run in range(max(runs, 1)):
        ms, result = timed(call)
        timings.append(ms)
    return timings, result


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of `values` (`share` 0.95 for p95); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-round(share * 1000) * len(ordered) // 1000))  # ceil, in integers
    return ordered[min(rank, len(ordered)) - 1]


# -- memory ----------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def rss_mb() -> float:
    """Resident memory of this process now."""
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """Peak resident memory of this process, since it started or since `reset_peak_rss`."""
    return _status_kb("VmHWM") / 1024


def reset_peak_rss() -> bool:
    """Start a new peak (VmHWM := VmRSS); False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Run:
    """One measured run of a phase: wall time and memory."""

    seconds: float
    rss_before_mb: float
    peak_rss_mb: float


def measured(call: Callable[[], T]) -> tuple[Run, T]:
    """Run `call` once: its wall time and the peak resident memory while it ran."""
    gc.collect()  # garbage of an earlier phase must not count against this one
    before = rss_mb()
    reset_peak_rss()
    ms, result = timed(call)
    return Run(ms / 1000, before, peak_rss_mb()), result


# -- the machine -----------------------------------------------------------------------------


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def machine() -> str:
    """CPUs, memory, load and versions, for the first line of a report."""
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs, {total_kb / 1024**2:.0f} GiB RAM, load average {load}; "
        f"Python {platform.python_version()}, Django {django.get_version()}, psycopg "
        f"{psycopg.__version__}, PostgreSQL {server_version()}"
    )


# -- verdicts --------------------------------------------------------------------------------

_COMPARISONS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


@dataclasses.dataclass(frozen=True)
class Target:
    """What a figure must reach: `Target("<=", 50, " ms")` is at most 50 ms."""

    comparison: str
    value: float
    unit: str = ""
    digits: int = 1  # decimals the figures are shown with

    def __post_init__(self) -> None:
        if self.comparison not in _COMPARISONS:
            raise ValueError(f"Unknown comparison {self.comparison!r}")

    def __str__(self) -> str:
        value = self.value
        shown = f"{value:,.0f}" if value == int(value) else f"{value:,.{self.digits}f}"
        return f"{self.comparison} {shown}{self.unit}"

    def met(self, figure: float) -> bool:
        return _COMPARISONS[self.comparison](figure, self.value)

    def figure(self, figure: float) -> str:
        return f"{figure:,.{self.digits}f}{self.unit}"

    def line(self, what: str, figure: float, *, baseline: str = "") -> str:
        """`target <what>: <figure> (<target>; <baseline>): met` (or `NOT met`); `baseline`
        says what the figure was compared with in the same run, when there is one."""
        beside = f"{self}; {baseline}" if baseline else str(self)
        return f"target {what}: {self.figure(figure)} ({beside}): {verdict(self.met(figure))}"
