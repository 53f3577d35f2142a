from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from cases.admin import DetentionInline, EventInline, SourceInline
from cases.services import person_refresh_status
from registry.admin_safety import PrivateFieldsMixin, SafeSaveAdmin
from registry.models import Category, InformationSubmission, Person
from registry.national_id import looks_like_national_id
from registry.vocabulary import VenezuelanState


class CategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Category.choices

    def queryset(self, request, queryset):
        if self.value() in Category.values:
            return queryset.filter(categories__contains=[self.value()])
        return queryset


class FacilityStateFilter(admin.SimpleListFilter):
    title = _("state of the current facility")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return VenezuelanState.choices

    def queryset(self, request, queryset):
        if self.value() in VenezuelanState.values:
            return queryset.filter(current_facility__state=self.value())
        return queryset


@admin.register(Person)
class PersonAdmin(PrivateFieldsMixin, SafeSaveAdmin, TranslationAdmin):
    private_fields = ("national_id", "family_contacts", "private_notes")
    list_display = [
        "__str__",
        "public_id",
        "current_status",
        "current_facility",
        "record_state",
        "verification_level",
        "updated_at",
    ]
    list_filter = [
        "current_status",
        "record_state",
        "verification_level",
        "current_facility",
        FacilityStateFilter,
        CategoryFilter,
        "sex",
    ]
    list_select_related = ["current_facility"]
    search_fields = ["given_names", "first_surname", "second_surname", "display_name"]
    readonly_fields = [
        "public_id",
        "current_status",
        "current_facility",
        "detained_since",
        "minor_at_detention",
        "created_at",
        "updated_at",
    ]
    inlines = [DetentionInline, EventInline, SourceInline]
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    "public_id",
                    "given_names",
                    "first_surname",
                    "second_surname",
                    "display_name",
                    "aliases",
                    "national_id",
                    "sex",
                    "birth_date",
                    "birth_year",
                    "reported_as_minor",
                    "nationalities",
                    "categories",
                ]
            },
        ),
        (_("Public summary"), {"fields": ["public_summary"]}),
        (_("Private"), {"fields": ["private_notes", "family_contacts"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "record_state",
                    "verification_level",
                    "last_verified_at",
                    "consent_basis",
                    "consent_recorded_on",
                ]
            },
        ),
        (
            _("Current situation (derived from the detentions)"),
            {
                "fields": [
                    "current_status",
                    "current_facility",
                    "detained_since",
                    "minor_at_detention",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_search_results(self, request, queryset, search_term):
        """A national id number typed in the search box finds its person by keyed hash."""
        if looks_like_national_id(search_term):
            return queryset.with_national_id(search_term), False
        return super().get_search_results(request, queryset, search_term)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        person_refresh_status(person=form.instance)


@admin.register(InformationSubmission)
class InformationSubmissionAdmin(PrivateFieldsMixin, SafeSaveAdmin):
    private_fields = ("contact",)
    list_display = ["about_name", "created_at", "language", "handled"]
    list_filter = ["handled", "language"]
    search_fields = ["about_name"]
    readonly_fields = ["created_at", "language"]
    autocomplete_fields = ["person"]
    fields = ["about_name", "message", "contact", "person", "handled", "language", "created_at"]


admin.site.site_header = _("Registry of political prisoners: staff")
admin.site.site_title = _("Registry staff")
admin.site.index_title = _("Case records")
