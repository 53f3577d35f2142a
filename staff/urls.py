from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("", views.verification_queue, name="queue"),
    path("personas/<int:pk>/historial/", views.record_history, name="history"),
    path("personas/<int:pk>/fusionar/", views.person_merge_view, name="merge"),
    path("personas/<int:pk>/<str:transition>/", views.person_transition, name="transition"),
    path(
        "excarcelaciones/<int:pk>/<str:transition>/",
        views.release_transition,
        name="release-transition",
    ),
]
