from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from registry.models import Person
from registry.vocabulary import PersonStatus

HEADLINE_COUNTS = [
    (PersonStatus.DETAINED, _("detained, place of custody known")),
    (PersonStatus.WHEREABOUTS_UNKNOWN, _("detained, whereabouts unknown")),
    (PersonStatus.RELEASED_CONDITIONAL, _("released under conditions")),
]


class HomeView(TemplateView):
    """The public home page: headline counts over published people only."""

    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = Person.objects.published().status_counts()
        context["headline_counts"] = [
            {"status": status, "label": label, "count": counts.get(status, 0)}
            for status, label in HEADLINE_COUNTS
        ]
        context["as_of"] = timezone.now()
        return context
