from django.utils import timezone
from django.views.generic import TemplateView

from registry.models import Person
from registry.vocabulary import PersonStatus


class HomeView(TemplateView):
    """The public home page: headline counts over published people only."""

    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = Person.objects.published().status_counts()
        context["headline_counts"] = [
            {"status": status, "label": status.label, "count": counts.get(status, 0)}
            for status in (
                PersonStatus.DETAINED,
                PersonStatus.WHEREABOUTS_UNKNOWN,
                PersonStatus.RELEASED_CONDITIONAL,
            )
        ]
        context["as_of"] = timezone.now()
        return context
