"""The benchmarks' shared measurements (bench.measure): nearest-rank percentiles and verdicts."""

import pytest

from bench.measure import Target, percentile, repeated


def test_percentiles_are_nearest_rank():
    runs = [float(value) for value in range(20, 0, -1)]  # 20 runs, unsorted
    assert percentile(runs, 0.95) == 19  # the 19th smallest of 20
    assert percentile(runs, 0.5) == 10  # the lower middle one of an even number
    assert percentile([float(v) for v in range(1, 31)], 0.95) == 29
    assert percentile([3.0], 0.95) == 3


def test_a_verdict_line_puts_the_figure_beside_its_target_and_baseline():
    p95 = Target("<=", 50, " ms")
    assert p95.line("search p95", 19.64, baseline="scan p95 1,079.0 ms") == (
        "target search p95: 19.6 ms (<= 50 ms; scan p95 1,079.0 ms): met"
    )
    assert Target(">=", 2_000, " rows/s", digits=0).line("commit", 1088.4) == (
        "target commit: 1,088 rows/s (>= 2,000 rows/s): NOT met"
    )
    assert Target("<", 500, " MB", digits=0).met(499.9)
    assert not Target("<", 500, " MB", digits=0).met(500)
    with pytest.raises(ValueError):
        Target("=<", 1)


def test_repeated_runs_at_least_once_and_keeps_the_last_result():
    calls = []
    timings, last = repeated(lambda: calls.append(len(calls)) or len(calls), 3)
    assert len(timings) == 3 and last == 3
    assert len(repeated(lambda: None, 0)[0]) == 1
