"""Public pages. Every query starts from `Person.objects.published()` (DESIGN §4)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, ListView, TemplateView

from cases.describe import describe
from cases.filters import PublishedPersonFilter
from cases.models import PublicVersion, Release, Tombstone, public_profile_prefetches
from facilities.models import Facility
from lib.national_id import looks_like_national_id
from lib.privacy import Tier, fields_of
from lib.vocabulary import PersonStatus
from public.forms import InformationForm, SearchForm
from registry.models import Person
from registry.search import search_names

HEADLINE_COUNTS = [
    (PersonStatus.DETAINED, _("detained, place of custody known")),
    (PersonStatus.WHEREABOUTS_UNKNOWN, _("detained, whereabouts unknown")),
    (PersonStatus.RELEASED_CONDITIONAL, _("released under conditions")),
]
SEARCH_RESULTS = 20


class HomeView(TemplateView):
    """What the registry is, the search box and headline counts over published people."""

    template_name = "public/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = Person.objects.published().status_counts()
        context["headline_counts"] = [
            {"status": status, "label": label, "count": counts.get(status, 0)}
            for status, label in HEADLINE_COUNTS
        ]
        context["as_of"] = timezone.now()
        context["form"] = SearchForm()
        context["latest_releases"] = (
            Release.objects.verified()
            .filter(detention__person__in=Person.objects.published())
            .select_related("detention__person")
            .defer(*(f"detention__person__{name}" for name in fields_of(Person, Tier.PRIVATE)))
            .order_by("-released_on", "-id")[:5]
        )
        return context


class SearchView(TemplateView):
    """Family search by name or national id number; htmx asks for the results alone."""

    template_name = "public/search.html"

    def post(self, request, *args, **kwargs):
        # The form posts (see the template); a GET with ?q= is served the same way for links.
        return self.get(request, *args, **kwargs)

    def get_template_names(self):
        if self.request.htmx:
            return ["public/_search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        form = SearchForm(data if "q" in data else None)
        context["form"] = form
        if not form.is_bound:
            return context
        if not form.is_valid():
            context["searched"] = True
            return context
        text = form.cleaned_data["q"]
        context["searched"] = True
        published = Person.objects.published().select_related("current_facility")
        if looks_like_national_id(text):
            context["by_national_id"] = True
            context["results"] = list(published.with_national_id(text)[:SEARCH_RESULTS])
            # The number is not echoed back into the page.
            context["form"] = SearchForm()
            return context
        else:
            context["results"] = list(search_names(published, text, limit=SEARCH_RESULTS))
        context["query"] = text
        return context


class PersonListView(ListView):
    """The filterable list of published people."""

    template_name = "public/person_list.html"
    paginate_by = 50
    context_object_name = "people"

    def get_queryset(self):
        self.filterset = PublishedPersonFilter(
            self.request.GET or None,
            queryset=Person.objects.published().select_related("current_facility"),
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return Person.objects.none()
        return self.filterset.qs.order_by("first_surname", "second_surname", "given_names", "pk")

    def paginate_queryset(self, queryset, page_size):
        # A page number out of range or not a number shows the nearest page, never an error.
        paginator = Paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class PersonDetailView(DetailView):
    """A public profile at a stable address: /personas/<public id>/<slug>/."""

    template_name = "public/person_detail.html"
    context_object_name = "person"

    def get(self, request, *args, **kwargs):
        public_id = kwargs["public_id"]
        person = (
            Person.objects.published().filter(public_id=public_id).only("public_id", "slug").first()
        )
        if person is None:
            # A record merged into a published one leads to it, as the API does.
            survivor = Person.objects.published().filter(redirects__old_public_id=public_id).first()
            if survivor is not None:
                return redirect(survivor, permanent=True)
            if Tombstone.objects.filter(public_id=public_id).exists():
                return render(request, "public/person_gone.html", status=410)
            raise Http404
        if kwargs.get("slug") != person.slug:
            return redirect(person, permanent=True)
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return (
            Person.objects.published()
            .select_related("current_facility")
            .prefetch_related(*public_profile_prefetches())
            .get(public_id=self.kwargs["public_id"])
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        today = timezone.localdate()
        if person.detained_since:
            context["days_detained"] = (today - person.detained_since).days
        context["canonical_url"] = self.request.build_absolute_uri(person.get_absolute_url())
        context["today"] = today
        context["language"] = get_language()
        return context


class PersonVersionsView(TemplateView):
    """The public versions of a profile, newest first, with what changed in words; never who
    on the staff approved them."""

    template_name = "public/person_versions.html"

    def get(self, request, *args, **kwargs):
        public_id = kwargs["public_id"]
        self.person = (
            Person.objects.published()
            .filter(public_id=public_id)
            .only(
                "public_id",
                "slug",
                "given_names",
                "first_surname",
                "second_surname",
                "display_name",
                "version",
                "state_changed_at",
            )
            .first()
        )
        if self.person is None:
            if Tombstone.objects.filter(public_id=public_id).exists():
                return render(request, "public/person_gone.html", status=410)
            raise Http404
        if kwargs.get("slug") != self.person.slug:
            return redirect("public:person-versions", self.person.public_id, self.person.slug)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = PublicVersion.objects.filter(person_id=self.person.pk).order_by("-number")
        context["person"] = self.person
        context["versions"] = [
            {
                "number": version.number,
                "approved_at": version.approved_at,
                "lines": [describe(change) for change in version.changes],
            }
            for version in versions.only("number", "approved_at", "changes")
        ]
        return context


class InformationCreateView(CreateView):
    """ "Send us information": stored for staff; nothing of it is ever shown publicly."""

    form_class = InformationForm
    template_name = "public/information_form.html"
    success_url = reverse_lazy("public:information-thanks")

    def get_initial(self):
        return {"about_name": self.request.GET.get("nombre", "")[:300]}

    def form_valid(self, form):
        if form.cleaned_data.get("website"):
            return redirect(self.success_url)
        form.instance.language = get_language() or ""
        return super().form_valid(form)


class InformationThanksView(TemplateView):
    template_name = "public/information_thanks.html"


class FacilityListView(ListView):
    template_name = "public/facility_list.html"
    context_object_name = "facilities"

    def get_queryset(self):
        return Facility.objects.with_people_held(Person.objects.published()).order_by(
            "-people_held", "name"
        )


class FacilityDetailView(DetailView):
    template_name = "public/facility_detail.html"
    context_object_name = "facility"

    def get_queryset(self):
        return Facility.objects.with_people_held(Person.objects.published())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["people"] = (
            Person.objects.published()
            .filter(current_facility=self.object)
            .order_by("first_surname", "second_surname", "given_names")
        )
        return context
