"""Public statistics pages and their CSV downloads. Published records only (DESIGN §4)."""

from __future__ import annotations

import datetime
from functools import cached_property

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from stats import figures, queries, services, tasks
from stats.forms import CountsForm, SeriesForm
from stats.models import ExternalTotal, MonthlySnapshot

# The stored series is recomputed by Celery beat every few minutes; a page that finds it older
# than this (or not yet covering today) asks for a refresh.
SERIES_MAX_AGE = datetime.timedelta(minutes=15)
REFRESH_QUEUED_KEY = "stats:daily-figures-refresh-queued"
COUNTS_FIELDS = ("date", "facility", "state", "category", "sex", "nationality")
SERIES_FIELDS = ("start", "end", "interval")
LIST_FILTERS = ("facility", "state", "category", "sex", "nationality")
EXTERNAL_TOTALS_SHOWN = 24  # the most recent; each needs a count on its date


def fresh_series_state() -> queries.SeriesState:
    state = queries.series_state()
    if state.computed_at is None:
        services.daily_figures_refresh()  # first use: nothing to show until it is computed
        return queries.series_state()
    stale = (
        timezone.now() - state.computed_at > SERIES_MAX_AGE or state.last_day < timezone.localdate()
    )
    if stale and cache.add(REFRESH_QUEUED_KEY, True, timeout=60):
        tasks.refresh_daily_figures.delay()  # runs at once when Celery is eager (development)
        state = queries.series_state()
    return state


class StatisticsRequest:
    """The figures a request asks for, from its query string; shared by pages and CSVs."""

    def __init__(self, query):
        self.query = query
        bound = any(name in query for name in COUNTS_FIELDS + SERIES_FIELDS)
        self.counts_form = CountsForm(query if bound else None)
        self.series_form = SeriesForm(query if bound else None)

    def _query_for(self, names: tuple[str, ...]) -> str:
        return urlencode([(name, self.query[name]) for name in names if self.query.get(name)])

    @property
    def counts_valid(self) -> bool:
        return not self.counts_form.is_bound or self.counts_form.is_valid()

    @property
    def series_valid(self) -> bool:
        return not self.series_form.is_bound or self.series_form.is_valid()

    @cached_property
    def day(self) -> datetime.date:
        if self.counts_form.is_bound and self.counts_form.is_valid():
            return self.counts_form.day()
        return timezone.localdate()

    @cached_property
    def filters(self) -> queries.Filters:
        if self.counts_form.is_bound and self.counts_form.is_valid():
            return self.counts_form.filters()
        return queries.NO_FILTERS

    @cached_property
    def counts(self) -> dict[str, int]:
        return queries.status_counts_on(self.day, self.filters)

    def list_links(self) -> list[str]:
        """For today: each status opens the public list with the same filters (same count)."""
        if self.day != timezone.localdate():
            return []
        filters = [(name, self.query[name]) for name in LIST_FILTERS if self.query.get(name)]
        base = reverse("public:person-list")
        return [
            f"{base}?{urlencode([('status', status.value), *filters])}"
            for status in figures.STATUS_ORDER
        ]

    def statuses(self) -> figures.Figure:
        return figures.status_figure(
            self.counts,
            day=self.day,
            query=self._query_for(COUNTS_FIELDS),
            list_links=self.list_links(),
        )

    @cached_property
    def breakdowns(self) -> list[figures.Figure]:
        query = self._query_for(COUNTS_FIELDS)
        return [
            figures.breakdown_figure(breakdown, day=self.day, query=query)
            for breakdown in queries.breakdowns_on(self.day, self.filters).values()
        ]

    def breakdown(self, dimension: str) -> figures.Figure:
        return next(figure for figure in self.breakdowns if figure.key == f"by-{dimension}")

    @cached_property
    def series_state(self) -> queries.SeriesState:
        return fresh_series_state()

    def series(self) -> figures.Figure:
        start, end, interval = self.series_form.period(self.series_state)
        return figures.series_figure(
            queries.series(start, end, interval),
            interval=interval,
            state=self.series_state,
            query=self._query_for(SERIES_FIELDS),
        )

    def coverage(self) -> figures.Figure:
        totals = ExternalTotal.objects.all()[:EXTERNAL_TOTALS_SHOWN]
        return figures.coverage_figure(queries.coverage(totals))

    @cached_property
    def claim_lines(self) -> list[queries.ClaimLine]:
        return queries.claims_ledger()

    def claims(self) -> figures.Figure:
        return figures.claims_figure(self.claim_lines)

    def claims_cumulative(self) -> figures.Figure:
        lines = queries.claims_cumulative(self.claim_lines, today=timezone.localdate())
        return figures.cumulative_figure(lines)


class StatisticsView(TemplateView):
    """Counts on a day (with the list's filters), breakdowns, the series and others' totals."""

    template_name = "stats/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats = StatisticsRequest(self.request.GET)
        context["stats"] = stats
        context["today"] = timezone.localdate()
        if stats.counts_valid:
            context["day"] = stats.day
            context["counts"] = stats.counts
            context["in_custody"] = queries.in_custody(stats.counts)
            context["house_arrest"] = stats.counts["house_arrest"]
            context["status_figure"] = stats.statuses()
            context["breakdown_figures"] = stats.breakdowns
        context["series_figure"] = stats.series() if stats.series_valid else None
        context["coverage_figure"] = stats.coverage()
        context["counts_filtered"] = any(self.request.GET.get(name) for name in COUNTS_FIELDS)
        context["hidden_for_counts"] = [
            (name, self.request.GET[name]) for name in SERIES_FIELDS if self.request.GET.get(name)
        ]
        context["hidden_for_series"] = [
            (name, self.request.GET[name]) for name in COUNTS_FIELDS if self.request.GET.get(name)
        ]
        return context


class ClaimsView(TemplateView):
    """Officials' release claims beside the releases the registry verified."""

    template_name = "stats/claims.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats = StatisticsRequest(self.request.GET)
        context["claims_figure"] = stats.claims()
        context["cumulative_figure"] = stats.claims_cumulative()
        context["window_days"] = queries.CLAIM_WINDOW_DAYS
        return context


def _figure_for(stats: StatisticsRequest, dataset: str) -> figures.Figure | None:
    if dataset == "statuses":
        return stats.statuses()
    if dataset.startswith("by-") and dataset[3:] in queries.BREAKDOWN_DIMENSIONS:
        return stats.breakdown(dataset[3:])
    builders = {
        "series": stats.series,
        "coverage": stats.coverage,
        "claims": stats.claims,
        "claims-cumulative": stats.claims_cumulative,
    }
    builder = builders.get(dataset)
    return builder() if builder else None


def csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class FigureCsvView(View):
    """The rows of one figure, as on the page, for the same query string."""

    def get(self, request, dataset: str):
        stats = StatisticsRequest(request.GET)
        uses_counts = dataset == "statuses" or dataset.startswith("by-")
        form = stats.counts_form if uses_counts else stats.series_form
        if form.is_bound and not form.is_valid():
            errors = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in form.errors.items()
            )
            return HttpResponseBadRequest(
                _("Some values are not valid: %(errors)s") % {"errors": errors},
                content_type="text/plain; charset=utf-8",
            )
        figure = _figure_for(stats, dataset)
        if figure is None:
            raise Http404
        stamp = stats.day if uses_counts else timezone.localdate()
        return csv_response(figure.csv(), f"registro-{dataset}-{stamp.isoformat()}.csv")


class SnapshotListView(ListView):
    template_name = "stats/snapshot_list.html"
    context_object_name = "snapshots"

    def get_queryset(self):
        return MonthlySnapshot.objects.order_by("-month", "revision").only(
            "month", "revision", "frozen_at", "reason"
        )


class SnapshotMixin:
    def get_object(self, queryset=None):
        revision = self.kwargs.get("revision", 0)
        snapshot = MonthlySnapshot.objects.filter(
            month=self.kwargs["month"], revision=revision
        ).first()
        if snapshot is None:
            raise Http404
        return snapshot


class SnapshotDetailView(SnapshotMixin, DetailView):
    """A frozen month at its permanent address; revisions are listed, never merged in."""

    template_name = "stats/snapshot_detail.html"
    context_object_name = "snapshot"

    def get(self, request, *args, **kwargs):
        if kwargs.get("revision") == 0:
            return redirect("stats:snapshot", month=kwargs["month"], permanent=True)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = self.object
        context["revisions"] = list(MonthlySnapshot.objects.of_month(snapshot.month))
        context["latest"] = context["revisions"][-1]
        context["csv_url"] = snapshot_csv_url(snapshot)
        context["figures"] = figures.snapshot_figures(snapshot)
        for figure in context["figures"]:
            figure.csv_url = context["csv_url"]  # the frozen figures, never today's
        context["as_of"] = datetime.date.fromisoformat(snapshot.figures["as_of"])
        context["canonical_url"] = self.request.build_absolute_uri(snapshot.get_absolute_url())
        return context


def snapshot_csv_url(snapshot: MonthlySnapshot) -> str:
    if snapshot.revision:
        return reverse("stats:snapshot-revision-csv", args=[snapshot.month_slug, snapshot.revision])
    return reverse("stats:snapshot-csv", args=[snapshot.month_slug])


class SnapshotCsvView(SnapshotMixin, View):
    def get(self, request, *args, **kwargs):
        snapshot = self.get_object()
        suffix = f"-r{snapshot.revision}" if snapshot.revision else ""
        return csv_response(
            figures.snapshot_csv(snapshot), f"registro-{snapshot.month_slug}{suffix}.csv"
        )
