"""Server-side SVG charts: no JavaScript, they print, and they scale to any screen width.

Text is laid out in CSS pixels (the outer <svg> has no viewBox), so labels stay readable on a
phone; the plotted marks live in an inner <svg> whose viewBox is stretched to the available
width (`preserveAspectRatio="none"`, strokes with `vector-effect="non-scaling-stroke"`).
Each chart is an image with a <title> and a <desc>; the page puts its table beside it. Colours
come from CSS classes (registro.css), never inline styles. Every mark carries its number in
`data-value`, so a test can compare what is drawn with the table and the CSV.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Sequence

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PLOT_WIDTH = 1000  # user units of the inner, stretched plot
TOP_MARGIN, BOTTOM_MARGIN = 20, 26  # room for the top gridline's value and the x labels
ROW_HEIGHT = 46
MAX_X_LABELS = 7
MIN_COLUMN_SLOTS = 8  # side-by-side columns never get wider than 1/8 of the chart


@dataclasses.dataclass(frozen=True)
class Series:
    key: str  # CSS class suffix: series-<key>
    label: str
    values: Sequence[int]


def _n(value: float) -> str:
    """A coordinate, short: SVG needs no more than hundredths of a unit."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def nice_step(value: float) -> int:
    """The smallest of 1, 2, 5 x 10^k (and 2.5 x 10^k from 10 on) that is >= value."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= value and step == int(step):
            return int(step)
    return 10 * power  # pragma: no cover - the loop always returns


def scale(largest: float, intervals: int = 4) -> tuple[int, int]:
    """(step, top): round gridline values covering 0..largest in about `intervals` steps."""
    step = nice_step(largest / intervals)
    return step, step * max(1, math.ceil(largest / step))


def _frame(chart_id: str, title: str, description: str, height: int, body: SafeString) -> str:
    return format_html(
        '<svg class="chart" id="{id}" width="100%" height="{height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        "{body}</svg>",
        id=chart_id,
        height=height,
        title=title,
        description=description,
        body=body,
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, str, int]],
) -> SafeString:
    """Horizontal bars, one per (key, label, value): the label above its bar, the value after."""
    top = max((value for _key, _label, value in rows), default=0) or 1
    marks = []
    for index, (key, label, value) in enumerate(rows):
        y = index * ROW_HEIGHT
        share = 80 * value / top  # leave room after the longest bar for its value
        marks.append(
            format_html(
                '<g class="bar bar-{key}"><title>{label}: {shown}</title>'
                '<text class="label" x="0" y="{label_y}">{label}</text>'
                '<rect x="0" y="{bar_y}" width="{share}%" height="16" data-value="{value}"/>'
                '<text class="value" x="{share}%" dx="6" y="{value_y}">{shown}</text></g>',
                key=key,
                label=label,
                shown=number(value),
                value=value,
                share=_n(share),
                label_y=y + 16,
                bar_y=y + 23,
                value_y=y + 36,
            )
        )
    height = max(len(rows), 1) * ROW_HEIGHT
    return mark_safe(_frame(chart_id, title, description, height, mark_safe("".join(marks))))  # noqa: S308


def _y_grid(
    step: int, top: int, axis: float, unit: float, *, down: bool = False
) -> tuple[SafeString, SafeString]:
    """Gridlines every `step` from the axis up to `top` (or down, for a mirrored chart), and
    their values, printed just above each line at the left edge: (lines, values), so that the
    values can be drawn over the marks."""
    levels = [
        (_n(axis + value * unit if down else axis - value * unit), number(value))
        for value in range(step if down else 0, top + 1, step)
    ]
    lines = format_html_join(
        "", '<line class="grid" x1="0" x2="100%" y1="{}" y2="{}"/>', ((y, y) for y, _ in levels)
    )
    values = format_html_join(
        "",
        '<text class="tick" x="0" y="{}">{}</text>',
        ((_n(float(y) - 4), label) for y, label in levels),
    )
    return lines, values


def _x_labels(positions: Sequence[tuple[float, str]], y: int) -> SafeString:
    """Category or date labels at fractions (0..1) of the width; ends anchored inwards."""
    labels = []
    for index, (fraction, text) in enumerate(positions):
        anchor = "start" if fraction < 0.08 else "end" if fraction > 0.92 else "middle"
        # Every other label is minor: narrow screens hide those (registro.css).
        kind = "tick minor" if index % 2 and index < len(positions) - 1 else "tick"
        labels.append((kind, _n(100 * fraction), y, anchor, text))
    return format_html_join(
        "", '<text class="{}" x="{}%" y="{}" text-anchor="{}">{}</text>', labels
    )


def _spread(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Up to `most` indexes spread evenly over range(count), first and last included."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(step * index) for index in range(most)})


def date_ticks(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Round dates for a time axis: 1 January, or the 1st of months, or evenly spread days."""
    span = (last - first).days
    if span > 3 * 365:
        years = range(first.year + (first > datetime.date(first.year, 1, 1)), last.year + 1)
        step = max(1, math.ceil(len(years) / MAX_X_LABELS))
        return [datetime.date(year, 1, 1) for year in years[::step]]
    if span > 60:
        months = []
        cursor = first.replace(day=1)
        if cursor < first:
            cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
        while cursor <= last:
            months.append(cursor)
            cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
        step = max(1, math.ceil(len(months) / MAX_X_LABELS))
        return months[::step]
    return [first + datetime.timedelta(days=index) for index in _spread(span + 1)]


def _date_label(day: datetime.date, first: datetime.date, last: datetime.date) -> str:
    span = (last - first).days
    if span > 3 * 365:
        return str(day.year)
    if span > 60:
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    days: Sequence[datetime.date],
    series: Sequence[Series],
    step: bool = False,
    height: int = 260,
) -> SafeString:
    """Lines over a time axis (x proportional to the date); `step` draws each value flat until
    the next date (a running total)."""
    offset, bottom = TOP_MARGIN, BOTTOM_MARGIN
    plot_height = height - offset - bottom
    tick, top = scale(max((max(s.values, default=0) for s in series), default=0))
    first, last = (days[0], days[-1]) if days else (datetime.date.today(),) * 2
    span = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        return PLOT_WIDTH * (day - first).days / span

    def y(value: int) -> float:
        return plot_height - plot_height * value / top

    lines = []
    for line in series:
        points: list[tuple[float, float]] = []
        for index, (day, value) in enumerate(zip(days, line.values, strict=True)):
            if step and index:
                points.append((x(day), points[-1][1]))
            points.append((x(day), y(value)))
        if len(points) == 1:  # one day: a short flat line, so that it shows
            points.append((PLOT_WIDTH, points[0][1]))
        lines.append(
            format_html(
                '<polyline class="line series-{key}" vector-effect="non-scaling-stroke" '
                'points="{points}" data-values="{values}"><title>{label}</title></polyline>',
                key=line.key,
                points=" ".join(f"{_n(px)},{_n(py)}" for px, py in points),
                values=",".join(str(value) for value in line.values),
                label=line.label,
            )
        )
    plot = format_html(
        '<svg x="0" y="{offset}" width="100%" height="{h}" viewBox="0 0 {w} {h}" '
        'preserveAspectRatio="none" overflow="visible">{lines}</svg>',
        offset=offset,
        h=plot_height,
        w=PLOT_WIDTH,
        lines=mark_safe("".join(lines)),  # noqa: S308
    )
    grid, values = _y_grid(tick, top, offset + plot_height, plot_height / top)
    ticks = [
        ((tick - first).days / span, _date_label(tick, first, last))
        for tick in date_ticks(first, last)
    ]
    body = mark_safe(  # noqa: S308
        grid + plot + values + _x_labels(ticks, height - 6)
    )
    return mark_safe(_frame(chart_id, title, description, height, body))  # noqa: S308


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    mirrored: bool = False,
    height: int = 260,
) -> SafeString:
    """Columns per category: side by side, or (`mirrored`, two series) the first rising above
    the axis and the second hanging below it, on the same scale."""
    offset, bottom = TOP_MARGIN, BOTTOM_MARGIN
    plot_height = height - offset - bottom
    # A few categories get columns of a sensible width, from the left, not the whole width.
    count = max(len(categories), 1 if mirrored else MIN_COLUMN_SLOTS)
    band = PLOT_WIDTH / count
    labelled = not mirrored and len(categories) <= MIN_COLUMN_SLOTS * 3
    if mirrored:
        up, down = series
        step, _top = scale(max(max(up.values, default=0), max(down.values, default=0)), 3)
        up_top = step * max(1, math.ceil(max(up.values, default=0) / step))
        down_top = step * max(1, math.ceil(max(down.values, default=0) / step))
        unit = plot_height / (up_top + down_top)
        axis = up_top * unit
    else:
        step, up_top = scale(max((max(s.values, default=0) for s in series), default=0))
        unit = plot_height / up_top
        axis = plot_height
    gap = band * 0.15 if count < 200 else 0
    width = (band - gap) / (1 if mirrored else max(len(series), 1))
    rects, column_values = [], []
    for index, category in enumerate(categories):
        for position, column in enumerate(series):
            value = column.values[index]
            size = value * unit
            below = mirrored and position == 1
            x = index * band + gap / 2 + (0 if mirrored else position * width)
            if labelled:  # the value above its column, in page pixels (not stretched)
                column_values.append(
                    (_n(100 * (x + width / 2) / PLOT_WIDTH), _n(offset + axis - size - 4), value)
                )
            rects.append(
                format_html(
                    '<rect class="series-{key}" x="{x}" y="{y}" width="{w}" '
                    'height="{h}" data-value="{value}"><title>{category} · {label}: '
                    "{shown}</title></rect>",
                    key=column.key,
                    x=_n(x),
                    y=_n(axis if below else axis - size),
                    w=_n(width),
                    h=_n(size),
                    value=value,
                    category=category,
                    label=column.label,
                    shown=number(value),
                )
            )
    plot = format_html(
        '<svg x="0" y="{offset}" width="100%" height="{h}" viewBox="0 0 {w} {h}" '
        'preserveAspectRatio="none">{rects}<line class="axis" x1="0" x2="{w}" y1="{axis}" '
        'y2="{axis}" vector-effect="non-scaling-stroke"/></svg>',
        offset=offset,
        h=plot_height,
        w=PLOT_WIDTH,
        rects=mark_safe("".join(rects)),  # noqa: S308
        axis=_n(axis),
    )
    grid, values = _y_grid(step, up_top, offset + axis, unit)
    if mirrored:
        below_grid, below_values = _y_grid(step, down_top, offset + axis, unit, down=True)
        grid, values = grid + below_grid, values + below_values
    positions = [((index + 0.5) / count, categories[index]) for index in _spread(len(categories))]
    numbers = format_html_join(
        "",
        '<text class="value" x="{}%" y="{}" text-anchor="middle">{}</text>',
        ((x, y, number(value)) for x, y, value in column_values),
    )
    body = mark_safe(grid + plot + values + numbers + _x_labels(positions, height - 6))  # noqa: S308
    return mark_safe(_frame(chart_id, title, description, height, body))  # noqa: S308
