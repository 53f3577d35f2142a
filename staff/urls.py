from django.urls import path

from staff import review, views

app_name = "staff"

urlpatterns = [
    path("", views.verification_queue, name="queue"),
    path("cambios/", review.pending_queue, name="pending"),
    path("personas/<int:pk>/historial/", views.record_history, name="history"),
    path("personas/<int:pk>/cambios/", review.changes_review, name="changes"),
    path("personas/<int:pk>/fusionar/", views.person_merge_view, name="merge"),
    path("personas/<int:pk>/<str:transition>/", views.person_transition, name="transition"),
    path(
        "excarcelaciones/<int:pk>/<str:transition>/",
        views.release_transition,
        name="release-transition",
    ),
]
