import datetime

from django.urls import path, register_converter

from stats import views


class MonthConverter:
    """A month as YYYY-MM in the address, the date of its first day in the view."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date(int(value[:4]), int(value[5:]), 1)  # ValueError: no match (404)

    def to_url(self, value) -> str:
        return value.strftime("%Y-%m") if isinstance(value, datetime.date) else str(value)


register_converter(MonthConverter, "month")

app_name = "stats"

urlpatterns = [
    path("", views.StatisticsView.as_view(), name="index"),
    path("anuncios/", views.ClaimsView.as_view(), name="claims"),
    path("datos/<slug:dataset>.csv", views.FigureCsvView.as_view(), name="csv"),
    path("instantaneas/", views.SnapshotListView.as_view(), name="snapshot-list"),
    path("instantaneas/<month:month>/", views.SnapshotDetailView.as_view(), name="snapshot"),
    path(
        "instantaneas/<month:month>/r<int:revision>/",
        views.SnapshotDetailView.as_view(),
        name="snapshot-revision",
    ),
    path(
        "instantaneas/<month:month>/datos.csv",
        views.SnapshotCsvView.as_view(),
        name="snapshot-csv",
    ),
    path(
        "instantaneas/<month:month>/r<int:revision>/datos.csv",
        views.SnapshotCsvView.as_view(),
        name="snapshot-revision-csv",
    ),
]
