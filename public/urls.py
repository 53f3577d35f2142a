from django.urls import path

from public import views

app_name = "public"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("buscar/", views.SearchView.as_view(), name="search"),
    path("personas/", views.PersonListView.as_view(), name="person-list"),
    path("personas/<str:public_id>/", views.PersonDetailView.as_view(), name="person-short"),
    path(
        "personas/<str:public_id>/<str:slug>/",
        views.PersonDetailView.as_view(),
        name="person-detail",
    ),
    path(
        "personas/<str:public_id>/<str:slug>/versiones/",
        views.PersonVersionsView.as_view(),
        name="person-versions",
    ),
    path("informar/", views.InformationCreateView.as_view(), name="information"),
    path("informar/gracias/", views.InformationThanksView.as_view(), name="information-thanks"),
    path("centros/", views.FacilityListView.as_view(), name="facility-list"),
    path("centros/<slug:slug>/", views.FacilityDetailView.as_view(), name="facility-detail"),
]
