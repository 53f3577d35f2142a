"""The public figures: one table per figure, drawn as a chart, shown as an HTML table and
downloaded as CSV from the same rows, so the three can never disagree."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from collections.abc import Callable, Sequence
from functools import cached_property

from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lib.vocabulary import PersonStatus
from stats import charts, queries

CHART_ROWS = 12  # longer breakdowns show the largest rows and one "all the others" bar


@dataclasses.dataclass(frozen=True)
class Column:
    code: str  # the CSV header: stable, machine-readable
    label: str
    numeric: bool = False
    in_table: bool = True  # codes are for the CSV; the page shows their labels
    link_column: str = ""  # the code of a column holding an address to link this cell to


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    value: object
    numeric: bool = False
    link: str = ""


@dataclasses.dataclass(frozen=True)
class Chart:
    svg: SafeString
    legend: Sequence[tuple[str, str]] = ()


@dataclasses.dataclass
class Figure:
    key: str  # anchor on the page and the CSV's name
    title: str
    definition: str
    columns: Sequence[Column]
    rows: list[list]
    # Drawn only when a page shows the figure (a CSV needs the rows alone).
    draw: Callable[[], list[Chart]] | None = None
    as_of: str = ""
    csv_url: str = ""
    links: list[str] = dataclasses.field(default_factory=list)  # per row, optional
    table_open: bool = True

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([column.code for column in self.columns])
        for row in self.rows:
            writer.writerow([_csv_value(value) for value in row])
        return buffer.getvalue()

    @cached_property
    def charts(self) -> list[Chart]:
        return self.draw() if self.draw else []

    @property
    def table_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_table]

    def cells(self) -> list[list[Cell]]:
        """The table's rows for the page: shown text, raw value, and a link where there is one
        (the first shown column, or a source address)."""
        result = []
        for index, row in enumerate(self.rows):
            row_link = self.links[index] if index < len(self.links) else ""
            by_code = {column.code: value for column, value in zip(self.columns, row, strict=True)}
            cells, first = [], True
            for value, column in zip(row, self.columns, strict=True):
                if not column.in_table:
                    continue
                link = row_link if first else ""
                if column.link_column:
                    link = by_code[column.link_column] or ""
                cells.append(Cell(_shown(value), value, column.numeric, str(link)))
                first = False
            result.append(cells)
        return result


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int | float):
        return formats.number_format(value, force_grouping=True)
    if value in (None, ""):
        return "—"
    return str(value)


def _csv_value(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return str(value) if not isinstance(value, int | float) else value


def day_text(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def as_of_text(day: datetime.date) -> str:
    return _("Counted at the end of %(day)s, over published records only.") % {"day": day_text(day)}


def csv_url(dataset: str, query: str) -> str:
    url = reverse("stats:csv", args=[dataset])
    return f"{url}?{query}" if query else url


STATUS_ORDER = [
    PersonStatus.DETAINED,
    PersonStatus.WHEREABOUTS_UNKNOWN,
    PersonStatus.HOUSE_ARREST,
    PersonStatus.RELEASED_CONDITIONAL,
    PersonStatus.RELEASED,
    PersonStatus.DECEASED_IN_CUSTODY,
]


def status_figure(
    counts: dict[str, int], *, day: datetime.date, query: str, list_links: list[str]
) -> Figure:
    labels = dict(PersonStatus.choices)
    rows = [[status.value, str(labels[status]), counts[status]] for status in STATUS_ORDER]
    title = _("People in each status")
    definition = _(
        "Each published person counts once, in the status they were in at the end of the day: "
        "reconstructed from their detention episodes, custody stays and verified releases, not "
        "from today's status."
    )
    return Figure(
        key="statuses",
        title=title,
        definition=definition,
        columns=[
            Column("status", _("Status code"), in_table=False),
            Column("label", _("Status")),
            Column("count", _("People"), numeric=True),
        ],
        rows=rows,
        draw=lambda: [
            Chart(
                charts.bar_chart(
                    chart_id="chart-statuses",
                    title=title,
                    description=definition,
                    rows=[(code, label, count) for code, label, count in rows],
                )
            )
        ],
        as_of=as_of_text(day),
        csv_url=csv_url("statuses", query),
        links=list_links,
    )


BREAKDOWN_TEXTS = {
    "facility": (
        _("In custody, by place of custody"),
        _(
            "People in custody (detained, or whereabouts unknown) by the place where they were "
            "held that day: the custody stay in force, i.e. the latest one begun by then. "
            "“Whereabouts unknown”: the state did not acknowledge where they were; “not "
            "recorded”: no place recorded yet."
        ),
    ),
    "state": (
        _("In custody, by state"),
        _("People in custody by the state of the place where they were held that day."),
    ),
    "sex": (_("In custody, by sex"), _("People in custody by sex, as recorded.")),
    "service": (
        _("In custody: civilians and military"),
        _(
            "Military: people recorded in the “military” category (serving or retired "
            "members of the armed forces); everyone else counts as civilian."
        ),
    ),
    "nationality": (
        _("In custody: Venezuelans and foreigners"),
        _(
            "Foreign or dual nationality: any recorded nationality other than Venezuelan. "
            "Not recorded: no nationality recorded."
        ),
    ),
    "country": (
        _("In custody: foreign nationalities"),
        _(
            "Each foreign nationality recorded. A person with two foreign nationalities counts "
            "under both, so these rows do not add up to a total."
        ),
    ),
    "category": (
        _("In custody, by category"),
        _(
            "A person may belong to several categories (a student who is also a protester), so "
            "these rows do not add up to the total in custody."
        ),
    ),
}


def breakdown_figure(breakdown: queries.Breakdown, *, day: datetime.date, query: str) -> Figure:
    title, definition = BREAKDOWN_TEXTS[breakdown.dimension]
    rows = [[row.key, row.label, row.count] for row in breakdown.rows]
    drawn = [(row.key, row.label, row.count) for row in breakdown.rows[:CHART_ROWS]]
    rest = breakdown.rows[CHART_ROWS:]
    if rest:
        drawn.append(
            (
                "other",
                ngettext("%(count)d other row", "%(count)d other rows", len(rest))
                % {"count": len(rest)},
                sum(row.count for row in rest),
            )
        )
    note = _("Adds up to the total in custody.") if breakdown.adds_up else ""
    return Figure(
        key=f"by-{breakdown.dimension}",
        title=title,
        definition=f"{definition} {note}".strip(),
        columns=[
            Column("key", _("Code"), in_table=False),
            Column("label", _("Group")),
            Column("count", _("People in custody"), numeric=True),
        ],
        rows=rows,
        draw=lambda: (
            [
                Chart(
                    charts.bar_chart(
                        chart_id=f"chart-by-{breakdown.dimension}",
                        title=title,
                        description=definition,
                        rows=drawn,
                    )
                )
            ]
            if rows
            else []
        ),
        as_of=as_of_text(day),
        csv_url=csv_url(f"by-{breakdown.dimension}", query),
        table_open=False,
    )


INTERVAL_LABELS = {
    queries.DAY: _("day"),
    queries.WEEK: _("week (from Monday)"),
    queries.MONTH: _("month"),
}


def series_figure(
    points: Sequence[queries.Point],
    *,
    interval: str,
    state: queries.SeriesState,
    query: str,
) -> Figure:
    title = _("People in custody, arrests and verified releases over time")
    definition = _(
        "In custody: people detained (place known or whereabouts unknown) at the end of each "
        "period's last day, each person once even when two episodes overlap. Arrests: "
        "detention episodes by arrest date (a re-arrest counts again). Releases: verified "
        "releases by release date; an announced release that was not verified is never counted. "
        "Published records only."
    )
    rows = [
        [point.starts_on, point.ends_on, point.in_custody, point.arrests, point.releases]
        for point in points
    ]

    def draw() -> list[Chart]:
        if not points:
            return []
        custody = charts.Series("in_custody", str(_("In custody")), [p.in_custody for p in points])
        arrests = charts.Series("arrests", str(_("Arrests")), [p.arrests for p in points])
        releases = charts.Series(
            "releases", str(_("Verified releases")), [p.releases for p in points]
        )
        return [
            Chart(
                charts.line_chart(
                    chart_id="chart-in-custody",
                    title=str(_("People in custody")),
                    description=definition,
                    days=[point.ends_on for point in points],
                    series=[custody],
                ),
                [("in_custody", custody.label)],
            ),
            Chart(
                charts.column_chart(
                    chart_id="chart-arrests-releases",
                    title=str(_("Arrests and verified releases")),
                    description=definition,
                    categories=[_period_label(point, interval) for point in points],
                    series=[arrests, releases],
                    mirrored=True,
                ),
                [("arrests", arrests.label), ("releases", releases.label + " ↓")],
            ),
        ]

    as_of = ""
    if state.computed_at:
        as_of = _(
            "Per %(interval)s. Computed from the episodes at %(when)s (recomputed every few "
            "minutes); covers %(first)s to %(last)s."
        ) % {
            "interval": INTERVAL_LABELS[interval],
            "when": formats.date_format(state.computed_at, "DATETIME_FORMAT"),
            "first": day_text(state.first_day),
            "last": day_text(state.last_day),
        }
    return Figure(
        key="series",
        title=title,
        definition=definition,
        columns=[
            Column("starts_on", _("From")),
            Column("ends_on", _("To")),
            Column("in_custody", _("In custody at the end"), numeric=True),
            Column("arrests", _("Arrests"), numeric=True),
            Column("releases", _("Verified releases"), numeric=True),
        ],
        rows=rows,
        draw=draw,
        as_of=as_of,
        csv_url=csv_url("series", query),
        table_open=False,
    )


def _period_label(point: queries.Point, interval: str) -> str:
    if interval == queries.MONTH:
        return formats.date_format(point.starts_on, "M Y")
    return formats.date_format(point.starts_on, "SHORT_DATE_FORMAT")


def coverage_figure(items: Sequence[queries.Coverage], *, query: str = "") -> Figure:
    labels = dict(PersonStatus.choices)
    title = _("Our count beside other organisations' totals")
    definition = _(
        "Each total published by another organisation, beside the number of published people "
        "in this registry on the same date and in the statuses that total covers. The "
        "difference is people the registry does not hold by name (not yet documented, not "
        "verified, without consent to publish, or minors, who are never published)."
    )
    rows, drawn = [], []
    for item in items:
        total = item.total
        share = round(100 * item.share, 1) if item.share is not None else None
        rows.append(
            [
                total.organisation,
                total.counted_on,
                total.count,
                ", ".join(str(labels.get(s, s)) for s in total.statuses),
                item.ours,
                share,
                total.source_title,
                total.source_url,
            ]
        )
        when = day_text(total.counted_on)
        drawn.append(("theirs", f"{total.organisation} · {when}", total.count))
        drawn.append(("ours", str(_("This registry · %(day)s") % {"day": when}), item.ours))
    return Figure(
        key="coverage",
        title=title,
        definition=definition,
        columns=[
            Column("organisation", _("Organisation")),
            Column("counted_on", _("Date")),
            Column("their_count", _("Their total"), numeric=True),
            Column("statuses", _("Statuses covered")),
            Column("our_count", _("Named in this registry"), numeric=True),
            Column("coverage_percent", _("Coverage (%)"), numeric=True),
            Column("source", _("Source"), link_column="source_url"),
            Column("source_url", _("Source address"), in_table=False),
        ],
        rows=rows,
        draw=lambda: (
            [
                Chart(
                    charts.bar_chart(
                        chart_id="chart-coverage", title=title, description=definition, rows=drawn
                    ),
                    [("theirs", str(_("Their total"))), ("ours", str(_("Named in this registry")))],
                )
            ]
            if rows
            else []
        ),
        csv_url=csv_url("coverage", query),
    )


def claims_figure(lines: Sequence[queries.ClaimLine]) -> Figure:
    title = _("Claimed and verified releases, claim by claim")
    definition = _(
        "Every public claim of releases by officials. For a claim that published names, "
        "“verified” counts the named people we matched to a published record and whose release "
        "we verified. For a claim without names, it counts the verified releases of published "
        "people in the %(days)d days up to and including the day of the announcement. Gap = "
        "claimed − verified. A claim never changes anyone's status."
    ) % {"days": queries.CLAIM_WINDOW_DAYS}
    rows = []
    for line in lines:
        claim = line.claim
        source = claim.source if claim.source and not claim.source.is_confidential else None
        if line.by_names:
            how = ngettext(
                "By name (%(count)d name published)",
                "By name (%(count)d names published)",
                line.names,
            ) % {"count": line.names}
        else:
            how = _("Releases verified from %(first)s to %(last)s") % {
                "first": day_text(line.window_starts_on),
                "last": day_text(claim.announced_on),
            }
        rows.append(
            [
                claim.announced_on,
                claim.claimant,
                claim.claimant_institution,
                claim.scope,
                claim.names_published,
                claim.claimed_count,
                line.verified,
                line.gap,
                how,
                source.title if source else "",
                source.url if source else "",
            ]
        )
    claimed = charts.Series(
        "claimed", str(_("Claimed")), [line.claim.claimed_count for line in lines]
    )
    verified = charts.Series("verified", str(_("Verified")), [line.verified for line in lines])
    return Figure(
        key="claims",
        title=title,
        definition=definition,
        columns=[
            Column("announced_on", _("Announced on")),
            Column("claimant", _("Who")),
            Column("institution", _("Institution")),
            Column("scope", _("What was claimed")),
            Column("names_published", _("Names published")),
            Column("claimed", _("Claimed"), numeric=True),
            Column("verified", _("Verified"), numeric=True),
            Column("gap", _("Gap"), numeric=True),
            Column("verified_how", _("How we verified")),
            Column("source", _("Source"), link_column="source_url"),
            Column("source_url", _("Source address"), in_table=False),
        ],
        rows=rows,
        draw=lambda: (
            [
                Chart(
                    charts.column_chart(
                        chart_id="chart-claims",
                        title=title,
                        description=definition,
                        categories=[day_text(line.claim.announced_on) for line in lines],
                        series=[claimed, verified],
                    ),
                    [("claimed", claimed.label), ("verified", verified.label)],
                )
            ]
            if lines
            else []
        ),
        csv_url=csv_url("claims", ""),
    )


def cumulative_figure(lines: Sequence[queries.CumulativeLine]) -> Figure:
    title = _("Claimed and verified releases, added up")
    definition = _(
        "Claimed: the numbers announced, added up claim after claim. Verified: every verified "
        "release of a published person since the window of the first claim began, each counted "
        "once, up to each claim's date and up to today."
    )
    claimed = charts.Series("claimed", str(_("Claimed")), [line.claimed for line in lines])
    verified = charts.Series("verified", str(_("Verified")), [line.verified for line in lines])
    return Figure(
        key="claims-cumulative",
        title=title,
        definition=definition,
        columns=[
            Column("day", _("Up to")),
            Column("claimed", _("Claimed"), numeric=True),
            Column("verified", _("Verified"), numeric=True),
            Column("gap", _("Gap"), numeric=True),
        ],
        rows=[[line.day, line.claimed, line.verified, line.gap] for line in lines],
        draw=lambda: (
            [
                Chart(
                    charts.line_chart(
                        chart_id="chart-claims-cumulative",
                        title=title,
                        description=definition,
                        days=[line.day for line in lines],
                        series=[claimed, verified],
                        step=True,
                    ),
                    [("claimed", claimed.label), ("verified", verified.label)],
                )
            ]
            if lines
            else []
        ),
        csv_url=csv_url("claims-cumulative", ""),
    )


# ---------------------------------------------------------------------------------------------
# Frozen monthly snapshots: the same figures, read back from the stored JSON.


def snapshot_figures(snapshot) -> list[Figure]:
    data = snapshot.figures
    as_of = datetime.date.fromisoformat(data["as_of"])
    frozen = formats.date_format(snapshot.frozen_at, "DATETIME_FORMAT")
    result = [status_figure(data["status_counts"], day=as_of, query="", list_links=[])]

    points = [
        queries.Point(day, day, in_custody, arrests, releases)
        for day, in_custody, arrests, releases in (
            (datetime.date.fromisoformat(row[0]), *row[1:]) for row in data["days"]
        )
    ]
    state = queries.SeriesState(
        points[0].starts_on if points else None,
        points[-1].ends_on if points else None,
        snapshot.frozen_at,
    )
    month_figure = series_figure(points, interval=queries.DAY, state=state, query="")
    month_figure.as_of = _("Frozen at %(when)s.") % {"when": frozen}
    month_figure.table_open = False
    result.append(month_figure)

    for dimension in queries.BREAKDOWN_DIMENSIONS:
        stored = data["breakdowns"].get(dimension, [])
        labels = queries.labels_for(dimension, [item["key"] for item in stored])
        rows = [
            queries.Row(item["key"], item.get("name") or labels[item["key"]], item["count"])
            for item in stored
        ]
        breakdown = queries.Breakdown(dimension, rows, dimension not in queries.NON_ADDITIVE)
        result.append(breakdown_figure(breakdown, day=as_of, query=""))

    result.append(_snapshot_claims(data["claims"]))
    result.append(_snapshot_totals(data["external_totals"]))
    return result


def _snapshot_claims(claims: list[dict]) -> Figure:
    return Figure(
        key="claims",
        title=_("Release claims announced in the month"),
        definition=_(
            "As on the claims page when the month was frozen: verified by name for claims that "
            "published names, otherwise releases verified in the %(days)d days up to the "
            "announcement."
        )
        % {"days": queries.CLAIM_WINDOW_DAYS},
        columns=[
            Column("announced_on", _("Announced on")),
            Column("claimant", _("Who")),
            Column("institution", _("Institution")),
            Column("claimed", _("Claimed"), numeric=True),
            Column("verified", _("Verified"), numeric=True),
            Column("gap", _("Gap"), numeric=True),
            Column("by_names", _("Verified by name")),
        ],
        rows=[
            [
                datetime.date.fromisoformat(claim["announced_on"]),
                claim["claimant"],
                claim["institution"],
                claim["claimed"],
                claim["verified"],
                claim["claimed"] - claim["verified"],
                claim["by_names"],
            ]
            for claim in claims
        ],
    )


def _snapshot_totals(totals: list[dict]) -> Figure:
    labels = dict(PersonStatus.choices)
    return Figure(
        key="coverage",
        title=_("Other organisations' totals in the month"),
        definition=_(
            "Each total beside the published people in this registry on its date, in the "
            "statuses it covers."
        ),
        columns=[
            Column("organisation", _("Organisation")),
            Column("counted_on", _("Date")),
            Column("their_count", _("Their total"), numeric=True),
            Column("statuses", _("Statuses covered")),
            Column("our_count", _("Named in this registry"), numeric=True),
            Column("source", _("Source"), link_column="source_url"),
            Column("source_url", _("Source address"), in_table=False),
        ],
        rows=[
            [
                total["organisation"],
                datetime.date.fromisoformat(total["counted_on"]),
                total["count"],
                ", ".join(str(labels.get(s, s)) for s in total["statuses"]),
                total["ours"],
                total["source_title"],
                total["source_url"],
            ]
            for total in totals
        ],
    )


def snapshot_csv(snapshot) -> str:
    """Every figure of the snapshot in one file, one value per line:
    figure, row (its first column), column, value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["figure", "row", "column", "value"])
    for name, value in (
        ("month", snapshot.month_slug),
        ("revision", snapshot.revision),
        ("frozen_at", snapshot.frozen_at.isoformat()),
        ("as_of", snapshot.figures["as_of"]),
        ("rules_version", snapshot.figures["rules_version"]),
    ):
        writer.writerow(["snapshot", "", name, value])
    for figure in snapshot_figures(snapshot):
        for row in figure.rows:
            for column, value in zip(figure.columns[1:], row[1:], strict=True):
                writer.writerow([figure.key, _csv_value(row[0]), column.code, _csv_value(value)])
    return buffer.getvalue()
