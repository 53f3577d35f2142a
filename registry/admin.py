from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from cases.admin import DetentionInline, EventInline, SourceInline
from cases.services import person_refresh_status
from registry.admin_safety import (
    PrivateFieldsMixin,
    SafeSaveAdmin,
)
from registry.duplicates import likely_duplicates
from registry.locking import OptimisticLockForm
from registry.models import Category, InformationSubmission, Person
from registry.national_id import looks_like_national_id
from registry.vocabulary import VenezuelanState, VerificationLevel


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


class PersonAdminForm(OptimisticLockForm):
    not_a_duplicate = forms.BooleanField(
        label=_("I checked the similar records listed above: this is a different person"),
        required=False,
    )

    class Meta:
        model = Person
        fields = "__all__"  # noqa: DJ007 - staff-only; the admin's fieldsets choose the fields

    def clean_verification_level(self):
        level = self.cleaned_data.get("verification_level")
        if level == VerificationLevel.VERIFIED and self.initial.get("verification_level") != level:
            raise forms.ValidationError(
                _("A record becomes verified through the verification step, by a verifier.")
            )
        return level

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("not_a_duplicate") or self.errors:
            return cleaned
        candidates = likely_duplicates(
            given_names=cleaned.get("given_names", ""),
            first_surname=cleaned.get("first_surname", ""),
            second_surname=cleaned.get("second_surname", ""),
            national_id=cleaned.get("national_id") or self.instance.national_id,
            birth_date=cleaned.get("birth_date"),
            exclude_pk=self.instance.pk,
        )
        if candidates:
            links = format_html_join(
                ", ",
                '<a href="{}" target="_blank">{} ({})</a>',
                (
                    (reverse("admin:registry_person_change", args=[c.pk]), c.name, c.public_id)
                    for c in candidates
                ),
            )
            raise forms.ValidationError(
                format_html(
                    "{} {}. {}",
                    _("This may be a person already in the registry:"),
                    links,
                    _("Check them; if this is someone else, tick the box below and save again."),
                ),
                code="likely_duplicate",
            )
        return cleaned


@admin.register(Person)
class PersonAdmin(PrivateFieldsMixin, SafeSaveAdmin, TranslationAdmin):
    form = PersonAdminForm
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
        "workflow",
        "record_state",
        "last_verified_at",
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
                    "expected_version",
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
                    "not_a_duplicate",
                ]
            },
        ),
        (_("Public summary"), {"fields": ["public_summary"]}),
        (_("Private"), {"fields": ["private_notes", "family_contacts"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "workflow",
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

    @admin.display(description=_("workflow"))
    def workflow(self, obj) -> str:
        if not obj or not obj.pk:
            return _("Save the record first; then submit it for verification.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("staff:history", args=[obj.pk]),
            _("History, verification and publication"),
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        person_refresh_status(person=form.instance)

    def private_fields_shown(self, obj) -> list[str]:
        # The page also shows the private parts of the inline detentions, events and sources.
        return [
            *self.private_fields,
            "detention.private_notes",
            "event.private_description",
            "source.confidential_details",
        ]


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
