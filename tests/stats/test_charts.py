"""The SVG charts: round gridlines, every mark carrying its number, text escaped."""

import datetime
import re

from stats import charts

D = datetime.date


def test_gridlines_fall_on_round_numbers():
    assert [charts.scale(value) for value in (0, 3, 5, 37, 98, 4400, 78_470)] == [
        (1, 1),
        (1, 3),
        (2, 6),
        (10, 40),
        (25, 100),
        (2000, 6000),
        (20_000, 80_000),
    ]


def test_every_mark_carries_its_number_and_labels_are_escaped():
    bars = charts.bar_chart(
        chart_id="b",
        title="T <b>",
        description="D & d",
        rows=[("x", "<i>uno</i>", 3), ("y", "dos", 0)],
    )
    assert re.findall(r'data-value="(\d+)"', bars) == ["3", "0"]
    assert "<i>" not in bars and "&lt;i&gt;uno&lt;/i&gt;" in bars
    assert 'role="img"' in bars and '<title id="b-title">T &lt;b&gt;</title>' in bars

    columns = charts.column_chart(
        chart_id="c",
        title="t",
        description="d",
        categories=["a", "b"],
        series=[charts.Series("arrests", "A", [1, 2]), charts.Series("releases", "R", [0, 5])],
        mirrored=True,
    )
    assert re.findall(r'data-value="(\d+)"', columns) == ["1", "0", "2", "5"]

    lines = charts.line_chart(
        chart_id="l",
        title="t",
        description="d",
        days=[D(2025, 1, 1), D(2025, 6, 1), D(2026, 1, 1)],
        series=[charts.Series("in_custody", "C", [1, 4, 2])],
    )
    assert 'data-values="1,4,2"' in lines


def test_time_axis_ticks_are_round_dates():
    assert charts.date_ticks(D(2014, 3, 5), D(2026, 1, 31))[:2] == [D(2015, 1, 1), D(2017, 1, 1)]
    assert charts.date_ticks(D(2025, 1, 15), D(2025, 6, 30))[0] == D(2025, 2, 1)
    assert len(charts.date_ticks(D(2025, 1, 1), D(2025, 1, 20))) == 7
