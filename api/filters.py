"""Query parameters of the people list and the exports.

The public list's filters (cases.filters) plus `q`, `updated_after` and `ordering`. Every
value is validated: an unknown choice, a malformed date or a short search answers 400 with a
message per parameter, never a 500 and never a silently ignored filter.
"""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from api.pagination import MAX_PAGE_SIZE
from cases.filters import PublishedPersonFilter
from lib.national_id import looks_like_national_id
from registry.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH, search_names

# With `q`, the closest matches come first and at most this many are listed (one full page).
SEARCH_RESULTS_LIMIT = MAX_PAGE_SIZE

NAME_ORDER = ("first_surname", "second_surname", "given_names", "pk")
ORDERINGS = {
    "name": NAME_ORDER,
    "-name": tuple(f"-{field}" for field in NAME_ORDER),
    "detained_since": (F("detained_since").asc(nulls_last=True), "pk"),
    "-detained_since": (F("detained_since").desc(nulls_last=True), "-pk"),
    "updated_at": ("updated_at", "pk"),
    "-updated_at": ("-updated_at", "-pk"),
    "last_verified_at": (F("last_verified_at").asc(nulls_last=True), "pk"),
    "-last_verified_at": (F("last_verified_at").desc(nulls_last=True), "-pk"),
}


def refuse_national_id(value: str) -> None:
    # The public site's family search may match a cédula exactly; the API does not, so that it
    # cannot be used to test lists of national id numbers against the registry.
    if looks_like_national_id(value):
        raise ValidationError(
            _("Search by national id number is not available in the API: search by name."),
            code="national_id",
        )


class LenientIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """A date-time PostgreSQL cannot take is a malformed value, not a server error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            # In UTC: PostgreSQL refuses offsets that Python accepts (e.g. -17:40), and a time
            # near the ends of the calendar may not exist in UTC at all.
            return moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = LenientIsoDateTimeField


class PersonFilter(PublishedPersonFilter):
    q = django_filters.CharFilter(
        method="filter_by_name",
        label=_("Name (closest matches first; the ordering parameter is then ignored)"),
        min_length=MIN_QUERY_LENGTH,
        max_length=MAX_QUERY_LENGTH,
        validators=[refuse_national_id],
        error_messages={
            "min_length": _("Type at least %(limit_value)d characters."),
            "max_length": _("Type at most %(limit_value)d characters."),
        },
    )
    updated_after = IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Changed at or after this date and time (ISO 8601), for incremental sync"),
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(value, value) for value in ORDERINGS],
        method="order",
        label=_("Order of the results (default: name)"),
        empty_label=None,
    )

    def filter_array_contains(self, queryset, name: str, value: str):
        # Typed, so that the schema knows category and nationality are strings.
        return super().filter_array_contains(queryset, name, value)

    def filter_by_name(self, queryset, name, value):
        return queryset  # ranks the whole filtered set: see filter_queryset

    def order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        text = self.form.cleaned_data.get("q")
        if text:
            queryset = search_names(queryset, text, limit=SEARCH_RESULTS_LIMIT)
        return queryset


class ExportFilter(PersonFilter):
    """The exports take the list's filters but not the name search (a ranked, bounded list)."""

    q = None
    ordering = None
