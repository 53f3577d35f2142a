"""Public facility pages: counts and people come from published records only."""

from django.db.models import Count, Q
from django.views.generic import DetailView, ListView

from facilities.models import Facility
from registry.models import Person, RecordState

PUBLISHED_HELD_HERE = Q(current_detainees__record_state=RecordState.PUBLISHED)


class FacilityListView(ListView):
    template_name = "facilities/facility_list.html"
    context_object_name = "facilities"

    def get_queryset(self):
        return Facility.objects.annotate(
            published_held=Count("current_detainees", filter=PUBLISHED_HELD_HERE)
        ).order_by("-published_held", "name")


class FacilityDetailView(DetailView):
    template_name = "facilities/facility_detail.html"
    context_object_name = "facility"

    def get_queryset(self):
        return Facility.objects.annotate(
            published_held=Count("current_detainees", filter=PUBLISHED_HELD_HERE)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["people"] = (
            Person.objects.published()
            .filter(current_facility=self.object)
            .order_by("first_surname", "second_surname", "given_names")
        )
        return context
