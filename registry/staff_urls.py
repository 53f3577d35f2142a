from django.urls import path

from imports import views as import_views
from registry import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.verification_queue, name="queue"),
    path("personas/<int:pk>/historial/", staff_views.record_history, name="history"),
    path("personas/<int:pk>/fusionar/", staff_views.person_merge_view, name="merge"),
    path(
        "personas/<int:pk>/<str:transition>/",
        staff_views.person_transition,
        name="transition",
    ),
    path("importar/", import_views.import_upload, name="import-upload"),
    path("importar/plantilla.csv", import_views.import_template, name="import-template"),
    path("importar/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("importar/<int:pk>/confirmar/", import_views.import_confirm, name="import-confirm"),
    path("importar/lista/", import_views.release_list_upload, name="release-list-upload"),
    path(
        "importar/lista/plantilla.csv",
        import_views.release_list_template,
        name="release-list-template",
    ),
    path(
        "anuncios/<int:pk>/conciliacion/",
        import_views.claim_reconciliation,
        name="claim-reconciliation",
    ),
]
