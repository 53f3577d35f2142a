"""Staff pages of the bulk import and of the reconciliation of release lists (under /personal/)."""

from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("importar/", views.import_upload, name="upload"),
    path("importar/plantilla.csv", views.import_template, name="template"),
    path("importar/<int:pk>/", views.import_detail, name="detail"),
    path("importar/<int:pk>/confirmar/", views.import_confirm, name="confirm"),
    path("importar/lista/", views.release_list_upload, name="release-list-upload"),
    path("importar/lista/plantilla.csv", views.release_list_template, name="release-list-template"),
    path(
        "anuncios/<int:pk>/conciliacion/", views.claim_reconciliation, name="claim-reconciliation"
    ),
]
