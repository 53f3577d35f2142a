from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from cases.models import (
    Charge,
    CustodyStay,
    Detention,
    DetentionCharge,
    EndReason,
    Event,
    Release,
    ReleaseClaim,
    ReleaseClaimName,
    ReleaseCondition,
    Source,
)
from cases.services import claim_names_refresh_verified, person_refresh_status
from registry.admin_safety import (
    NoOverlapFormSet,
    OneOpenFormSet,
    PrivateFieldsMixin,
    SafeSaveAdmin,
)


class StaysFormSet(NoOverlapFormSet):
    start_field, end_field = "started_on", "ended_on"
    overlap_message = _("Two stays of this detention overlap: a person is in one place at a time.")


class DetentionsFormSet(OneOpenFormSet):
    start_field, end_field = "arrested_on", "ended_on"
    too_many_open_message = _(
        "Only one detention can be open at a time: close the earlier one before adding another."
    )


class DetentionInline(PrivateFieldsMixin, admin.TabularInline):
    model = Detention
    formset = DetentionsFormSet
    private_fields = ("private_notes",)
    fields = [
        "arrested_on",
        "arrested_on_precision",
        "arresting_agency",
        "arrest_state",
        "legal_stage",
        "ended_on",
        "end_reason",
    ]
    readonly_fields = ["ended_on", "end_reason"]
    show_change_link = True
    extra = 0


class EventInline(PrivateFieldsMixin, admin.StackedInline):
    model = Event
    private_fields = ("private_description",)
    fields = [
        ("occurred_on", "occurred_on_precision", "kind", "is_public"),
        "detention",
        "public_description",
        "private_description",
        "sources",
    ]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        person_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name == "detention":
            kwargs["queryset"] = Detention.objects.filter(person_id=person_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        person_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name == "sources":
            kwargs["queryset"] = Source.objects.filter(person_id=person_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SourceInline(PrivateFieldsMixin, admin.StackedInline):
    model = Source
    private_fields = ("confidential_details",)
    fields = [
        ("kind", "is_confidential"),
        ("title", "publisher", "published_on"),
        "url",
        "confidential_details",
    ]
    extra = 0


class CustodyStayInline(admin.TabularInline):
    model = CustodyStay
    formset = StaysFormSet
    fields = ["facility", "started_on", "started_on_precision", "ended_on", "ended_on_precision"]
    autocomplete_fields = ["facility"]
    extra = 0


class DetentionChargeInline(admin.TabularInline):
    model = DetentionCharge
    fields = ["charge", "charged_on", "charged_on_precision"]
    extra = 0


class ReleaseInline(admin.StackedInline):
    model = Release
    fields = [
        ("released_on", "released_on_precision", "kind"),
        ("verified", "verified_by", "verified_at"),
        "public_note",
    ]
    readonly_fields = ["verified_by", "verified_at"]
    show_change_link = True
    extra = 0
    max_num = 1


class DetentionForm(forms.ModelForm):
    class Meta:
        model = Detention
        fields = "__all__"  # noqa: DJ007 - staff-only form; the admin narrows fields by role

    def clean_end_reason(self):
        end_reason = self.cleaned_data.get("end_reason")
        if end_reason == EndReason.RELEASED and not (
            self.instance.pk and self.instance.end_reason == EndReason.RELEASED
        ):
            raise ValidationError(
                _(
                    "A release is recorded in the Release section below and ends the detention "
                    "once verified."
                )
            )
        return end_reason


class PersonStatusRefreshMixin:
    """Recompute the person's derived status after each save or deletion, in the transaction."""

    @staticmethod
    def person_of(obj):
        return obj.person

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        person = self.person_of(form.instance)
        # For the two-person rule: editing case data makes one an editor of the record.
        person.last_edited_by = request.user
        person.save(update_fields=["last_edited_by", "updated_at"])
        person_refresh_status(person=person)

    def delete_model(self, request, obj) -> None:
        person = self.person_of(obj)
        super().delete_model(request, obj)
        person_refresh_status(person=person)

    def delete_queryset(self, request, queryset) -> None:
        people = {self.person_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        for person in people:
            person_refresh_status(person=person)


@admin.register(Detention)
class DetentionAdmin(PersonStatusRefreshMixin, PrivateFieldsMixin, SafeSaveAdmin):
    form = DetentionForm
    private_fields = ("private_notes",)
    list_display = ["person", "arrested_on", "arresting_agency", "legal_stage", "ended_on"]
    list_filter = ["arresting_agency", "legal_stage", "arrest_state", "end_reason"]
    list_select_related = ["person"]
    search_fields = ["person__given_names", "person__first_surname", "person__second_surname"]
    autocomplete_fields = ["person"]
    inlines = [CustodyStayInline, DetentionChargeInline, ReleaseInline]
    fieldsets = [
        (None, {"fields": ["person"]}),
        (
            _("Arrest"),
            {
                "fields": [
                    ("arrested_on", "arrested_on_precision"),
                    ("arrest_place", "arrest_state", "arresting_agency"),
                    "circumstances",
                    "private_notes",
                ]
            },
        ),
        (_("Legal situation"), {"fields": ["legal_stage", "court", "sentence"]}),
        (
            _("End of the episode (other than a release)"),
            {"fields": [("ended_on", "ended_on_precision", "end_reason")]},
        ),
    ]

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Release) and instance.verified and not instance.verified_by:
                instance.verified_by = request.user
        formset.save_m2m()
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            instance.save()


@admin.register(Release)
class ReleaseAdmin(PersonStatusRefreshMixin, SafeSaveAdmin):
    list_display = ["detention", "released_on", "kind", "verified"]
    list_filter = ["kind", "verified"]
    readonly_fields = ["verified_by", "verified_at"]
    autocomplete_fields = ["detention"]
    filter_horizontal = ["sources"]

    class ConditionInline(TranslationTabularInline):
        model = ReleaseCondition
        fields = ["kind", "interval_days", "court", "starts_on", "ends_on", "details"]
        extra = 0

    inlines = [ConditionInline]

    @staticmethod
    def person_of(obj):
        return obj.detention.person

    def save_model(self, request, obj, form, change) -> None:
        if obj.verified and not obj.verified_by:
            obj.verified_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Charge)
class ChargeAdmin(SafeSaveAdmin, TranslationAdmin):
    list_display = ["name", "law", "article"]
    search_fields = ["name", "law", "article"]


@admin.register(Source)
class SourceAdmin(PrivateFieldsMixin, SafeSaveAdmin):
    private_fields = ("confidential_details",)
    list_display = ["title", "kind", "publisher", "published_on", "is_confidential"]
    list_filter = ["kind", "is_confidential"]
    search_fields = ["title", "publisher"]
    autocomplete_fields = ["person"]


@admin.register(ReleaseClaim)
class ReleaseClaimAdmin(SafeSaveAdmin):
    list_display = ["announced_on", "claimant", "claimed_count", "names_published", "named"]
    list_filter = ["names_published", "verification_level"]
    search_fields = ["claimant", "claimant_institution", "scope"]

    class NameInline(PrivateFieldsMixin, admin.TabularInline):
        model = ReleaseClaimName
        private_fields = ("national_id",)
        fields = ["published_name", "national_id", "match_status", "person", "verified_released"]
        # Derived: the matched person has a verified release (cases.services).
        readonly_fields = ["verified_released"]
        autocomplete_fields = ["person"]
        extra = 0

    inlines = [NameInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(names_listed=Count("names"))

    @admin.display(description=_("names listed"), ordering="names_listed")
    def named(self, obj) -> int:
        return obj.names_listed

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        claim_names_refresh_verified(claim=form.instance)
