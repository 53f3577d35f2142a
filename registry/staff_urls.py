from django.urls import path

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
]
