from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api import views

app_name = "api"

router = SimpleRouter()
router.register("persons", views.PersonViewSet, basename="person")
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("charges", views.ChargeViewSet, basename="charge")
router.register("release-claims", views.ReleaseClaimViewSet, basename="release-claim")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/stats/", views.StatsView.as_view(), name="stats"),
    path("v1/data-dictionary/", views.DataDictionaryView.as_view(), name="data-dictionary"),
    path(
        "v1/exports/persons.csv",
        views.CsvExportView.as_view(),
        name="export-persons-csv",
    ),
    path(
        "v1/exports/persons.jsonl",
        views.JsonLinesExportView.as_view(),
        name="export-persons-jsonl",
    ),
    path("v1/schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
]
