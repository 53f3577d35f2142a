from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
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
from cases.rules import is_checker
from cases.services import (
    claim_names_refresh_verified,
    claim_verify,
    person_refresh_status,
    release_verify,
)
from lib.admin import NoOverlapFormSet, OneOpenFormSet, SafeSaveAdmin
from lib.locking import OptimisticLockForm
from lib.national_id import looks_like_national_id
from lib.vocabulary import VenezuelanState, VerificationLevel
from registry.duplicates import likely_duplicates
from registry.models import Category, Person
from registry.private_data import PrivateFieldsMixin, private_form_fields


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
    # Verified only through cases.services.release_verify (its rule: a second person).
    readonly_fields = ["verified", "verified_by", "verified_at"]
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


def verify_each(model_admin, request, queryset, service, keyword: str) -> None:
    """An admin action: verify each selected fact through its service (and so its rule), and
    say which were not verified, and why."""
    verified = 0
    for obj in queryset:
        try:
            service(**{keyword: obj}, by=request.user)
        except PermissionDenied as error:
            reason = str(error)
        except ValidationError as error:
            reason = " ".join(error.messages)
        else:
            verified += 1
            continue
        model_admin.message_user(
            request,
            _("%(fact)s: not verified. %(reason)s") % {"fact": obj, "reason": reason},
            messages.WARNING,
        )
    if verified:
        model_admin.message_user(
            request,
            ngettext("%(count)d verified.", "%(count)d verified.", verified) % {"count": verified},
            messages.SUCCESS,
        )


class PersonStatusRefreshMixin:
    """Recompute the person's derived status after each save or deletion, in the transaction."""

    @staticmethod
    def person_of(obj):
        return obj.person

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        person = self.person_of(form.instance)
        if person is None:
            return  # a source of no person (a claim's): nobody's record changed
        # Bookkeeping (the two-person rule reads the audit trail, cases/history.py); the save
        # also moves the record's version on, so that a person form opened before is refused.
        person.last_edited_by = request.user
        person.save(update_fields=["last_edited_by", "updated_at"])
        person_refresh_status(person=person)

    def delete_model(self, request, obj) -> None:
        person = self.person_of(obj)
        super().delete_model(request, obj)
        if person is not None:
            person_refresh_status(person=person)

    def delete_queryset(self, request, queryset) -> None:
        people = {self.person_of(obj) for obj in queryset} - {None}
        super().delete_queryset(request, queryset)
        for person in people:
            person_refresh_status(person=person)


@admin.register(Detention)
class DetentionAdmin(PersonStatusRefreshMixin, PrivateFieldsMixin, SafeSaveAdmin):
    form = DetentionForm
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


@admin.register(Release)
class ReleaseAdmin(PersonStatusRefreshMixin, SafeSaveAdmin):
    list_display = ["detention", "released_on", "kind", "verified"]
    list_filter = ["kind", "verified"]
    # Verified only through cases.services.release_verify: the action below, or the record's
    # page under /personal/ (which also withdraws a verification, with a reason).
    readonly_fields = ["verified", "verified_by", "verified_at"]
    actions = ["verify_releases"]
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

    def has_verify_permission(self, request) -> bool:
        return is_checker.test(request.user)

    @admin.action(description=_("Verify the selected releases"), permissions=["verify"])
    def verify_releases(self, request, queryset) -> None:
        verify_each(
            self, request, queryset.select_related("detention__person"), release_verify, "release"
        )


@admin.register(Charge)
class ChargeAdmin(SafeSaveAdmin, TranslationAdmin):
    list_display = ["name", "law", "article"]
    search_fields = ["name", "law", "article"]


@admin.register(Source)
class SourceAdmin(PersonStatusRefreshMixin, PrivateFieldsMixin, SafeSaveAdmin):
    list_display = ["title", "kind", "publisher", "published_on", "is_confidential"]
    list_filter = ["kind", "is_confidential"]
    search_fields = ["title", "publisher"]
    autocomplete_fields = ["person"]


class ReleaseClaimForm(forms.ModelForm):
    class Meta:
        model = ReleaseClaim
        fields = "__all__"  # noqa: DJ007 - staff-only; the admin chooses the fields

    def clean_verification_level(self):
        level = self.cleaned_data.get("verification_level")
        if level == VerificationLevel.VERIFIED and self.initial.get("verification_level") != level:
            raise forms.ValidationError(
                _(
                    "A claim becomes verified through the action “Verify the selected claims”, "
                    "by a verifier who did not record it."
                )
            )
        return level


@admin.register(ReleaseClaim)
class ReleaseClaimAdmin(SafeSaveAdmin):
    form = ReleaseClaimForm
    list_display = [
        "announced_on",
        "claimant",
        "claimed_count",
        "names_published",
        "named",
        "verification_level",
    ]
    list_filter = ["names_published", "verification_level"]
    search_fields = ["claimant", "claimant_institution", "scope"]
    actions = ["verify_claims"]

    class NameInline(PrivateFieldsMixin, admin.TabularInline):
        model = ReleaseClaimName
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

    def has_verify_permission(self, request) -> bool:
        return is_checker.test(request.user)

    @admin.action(description=_("Verify the selected claims"), permissions=["verify"])
    def verify_claims(self, request, queryset) -> None:
        verify_each(self, request, queryset, claim_verify, "claim")


# The person's page: the whole case, with its detentions, events and sources inline.


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
            *(
                f"{inline.model._meta.model_name}.{name}"
                for inline in self.inlines
                for name in private_form_fields(inline.model)
            ),
        ]
