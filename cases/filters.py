import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from cases.models import Detention
from facilities.models import Facility
from lib.vocabulary import PersonStatus, VenezuelanState
from registry.models import Category, Person, Sex, country_choices


class PublishedPersonFilter(django_filters.FilterSet):
    """Filters of the public list. Every choice is closed: unknown values are form errors."""

    status = django_filters.MultipleChoiceFilter(
        field_name="current_status", choices=PersonStatus.choices, label=_("Status")
    )
    facility = django_filters.ModelChoiceFilter(
        field_name="current_facility",
        queryset=Facility.objects.all(),
        to_field_name="slug",
        label=_("Current facility"),
    )
    state = django_filters.ChoiceFilter(
        field_name="current_facility__state",
        choices=VenezuelanState.choices,
        label=_("State"),
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, method="filter_array_contains", label=_("Category")
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("Sex"))
    nationality = django_filters.ChoiceFilter(
        choices=country_choices, method="filter_array_contains", label=_("Nationality")
    )
    arrested_after = django_filters.DateFilter(
        method="filter_arrested", label=_("Arrested on or after")
    )
    arrested_before = django_filters.DateFilter(
        method="filter_arrested", label=_("Arrested on or before")
    )

    class Meta:
        model = Person
        fields = []

    def filter_array_contains(self, queryset, name, value):
        field = {"category": "categories", "nationality": "nationalities"}[name]
        return queryset.filter(**{f"{field}__contains": [value]})

    def filter_arrested(self, queryset, name, value):
        return queryset  # both bounds apply together to one arrest: see filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        bounds = {
            "arrested_on__gte": self.form.cleaned_data.get("arrested_after"),
            "arrested_on__lte": self.form.cleaned_data.get("arrested_before"),
        }
        bounds = {lookup: day for lookup, day in bounds.items() if day}
        if bounds:
            arrests = Detention.objects.filter(person=OuterRef("pk"), **bounds)
            queryset = queryset.filter(Exists(arrests))
        return queryset
