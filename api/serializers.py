"""What the API says about each record, tier by tier (DESIGN §4; the table is in docs/api.md).

Every serializer lists its fields explicitly; the tier of each comes from the field of the model
it reads (lib/privacy.py), never from here. Partner-tier fields are removed unless the view says
the caller holds a partner key; the schema lists them as optional, marked "partner tier". A
serializer that names a staff or private field (national ids, contacts, private notes, private
descriptions, confidential details, birth dates, record states, consent…) refuses to run.
"""

import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import (
    Charge,
    ConditionKind,
    CustodyStay,
    Detention,
    DetentionCharge,
    EndReason,
    Event,
    EventKind,
    LegalStage,
    Release,
    ReleaseClaim,
    ReleaseCondition,
    ReleaseKind,
    Source,
    SourceKind,
)
from facilities.models import Facility, FacilityKind, OperatingStatus
from lib.privacy import Tier, field_tier
from lib.vocabulary import (
    Agency,
    DatePrecision,
    PersonStatus,
    VenezuelanState,
    VerificationLevel,
)
from registry.models import Category, Person, Sex

PRECISE_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def precise_iso_date(value: datetime.date | None, precision: str) -> str | None:
    """A date written no more precisely than the sources give it: 2025, 2025-01 or 2025-01-10."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def profile_path_template() -> str:
    """The public profile's path with placeholders, in the site's default language.

    Built once per response (exports write a million of them) and always in Spanish, the
    canonical address, whatever language the API caller asked for.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("public:person-detail", args=["PUBLICID", "SLUG"])


def profile_path(template: str, public_id: str, slug: str) -> str:
    return template.replace("PUBLICID", public_id, 1).replace("SLUG", slug, 1)


def facility_page_path(slug: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("public:facility-detail", args=[slug])


class PreciseDateField(serializers.Field):
    """A (date, precision) pair of the model as one ISO 8601 string of reduced precision."""

    def __init__(self, precision_field: str, **kwargs):
        self.precision_field = precision_field
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return (getattr(instance, self.source), getattr(instance, self.precision_field))

    def to_representation(self, value):
        return precise_iso_date(*value)


class CodeField(serializers.ChoiceField):
    """A code from a closed list; an empty code (nothing recorded) is written as null."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices=choices, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PrecisionField(CodeField):
    """The precision of a date (day, month or year); null when the date is."""

    def __init__(self, date_field: str, **kwargs):
        self.date_field = date_field
        super().__init__(DatePrecision.choices, **kwargs)

    def get_attribute(self, instance):
        date = getattr(instance, self.date_field)
        return None if date is None else getattr(instance, f"{self.date_field}_precision")


# Leaves out partner-tier fields unless the view put `tier=partner` in the context. Without an
# explicit tier the public one applies, so a serializer used anywhere else can only err on the
# side of saying less. Schema generation sees every field.
class TieredSerializer(serializers.Serializer):
    model: type[models.Model]  # the record whose fields it shows

    @classmethod
    def field_tiers(cls) -> dict[str, Tier]:
        """The tier of each declared field: that of the model field its source names (through
        relations), public for what the serializer computes itself (methods, annotations,
        prefetched lists, nested serializers, which classify their own fields)."""
        if "_field_tiers" not in cls.__dict__:
            tiers = {}
            for name, field in cls._declared_fields.items():
                source = field.source or name
                try:
                    tier = field_tier(cls.model, source.replace(".", "__"))
                except FieldDoesNotExist:
                    tier = Tier.PUBLIC
                if not tier.shown_to(Tier.PARTNER):
                    raise ImproperlyConfigured(
                        f"{cls.__name__}.{name} shows {cls.model.__name__}.{source}, "
                        f"a {tier} field: the API shows public and partner fields only."
                    )
                tiers[name] = tier
            cls._field_tiers = tiers
        return cls._field_tiers

    @property
    def partner_fields(self) -> tuple[str, ...]:
        return tuple(name for name, tier in self.field_tiers().items() if tier is Tier.PARTNER)

    def get_fields(self):
        fields = super().get_fields()
        if self.tier is not Tier.PARTNER:
            for name in self.partner_fields:
                fields.pop(name)
        return fields

    @property
    def tier(self) -> Tier:
        tier = self.context.get("tier")
        if tier is None and getattr(self.context.get("view"), "swagger_fake_view", False):
            return Tier.PARTNER
        return tier or Tier.PUBLIC


class FacilityReferenceSerializer(TieredSerializer):
    model = Facility

    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    state = CodeField(VenezuelanState.choices)


class PersonListSerializer(TieredSerializer):
    model = Person

    public_id = serializers.CharField(read_only=True, help_text=_("Stable public identifier."))
    name = serializers.CharField(read_only=True, help_text=_("Name as shown on the profile."))
    given_names = serializers.CharField(read_only=True)
    first_surname = serializers.CharField(read_only=True)
    second_surname = serializers.CharField(read_only=True)
    status = CodeField(
        PersonStatus.choices,
        source="current_status",
        allow_null=True,
        help_text=_("Current status, derived from the detention episodes; null if none."),
    )
    current_facility = FacilityReferenceSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("Where the person is held now, when known."),
    )
    detained_since = PreciseDateField(
        "detained_since_precision",
        allow_null=True,
        help_text=_("Start of the detention in course: YYYY, YYYY-MM or YYYY-MM-DD."),
    )
    categories = serializers.ListField(child=CodeField(Category.choices), read_only=True)
    verification_level = CodeField(VerificationLevel.choices)
    last_verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(
        read_only=True, help_text=_("Last change to the person's record (see updated_after).")
    )
    version = serializers.SerializerMethodField(
        help_text=_("Number of the approved version shown; the profile lists every version.")
    )
    approved_at = serializers.SerializerMethodField(
        help_text=_("When a second person approved this version.")
    )
    url = serializers.SerializerMethodField(help_text=_("This record in the API."))
    profile_url = serializers.SerializerMethodField(help_text=_("The public profile."))
    # Partner tier.
    sex = CodeField(Sex.choices)
    nationalities = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("ISO 3166-1 alpha-2 country codes."),
    )
    detained_since_precision = PrecisionField("detained_since", allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    # Public requests read the approved rows (cases/projection.py): `version` is the number of
    # the approved version, `state_changed_at` its approval time.
    def get_version(self, person) -> int:
        return person.version

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_approved_at(self, person) -> str:
        return serializers.DateTimeField().to_representation(person.state_changed_at)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, person) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:person-detail", args=[person.public_id])
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_profile_url(self, person) -> str:
        if "profile_path_template" not in self.context:
            self.context["profile_path_template"] = profile_path_template()
        path = profile_path(self.context["profile_path_template"], person.public_id, person.slug)
        return self.context["request"].build_absolute_uri(path)


class CustodyStaySerializer(TieredSerializer):
    model = CustodyStay

    facility = FacilityReferenceSerializer(
        read_only=True, allow_null=True, help_text=_("Null: whereabouts unknown.")
    )
    started_on = PreciseDateField("started_on_precision")
    ended_on = PreciseDateField("ended_on_precision", allow_null=True)
    started_on_precision = PrecisionField("started_on")
    ended_on_precision = PrecisionField("ended_on", allow_null=True)


class DetentionChargeSerializer(TieredSerializer):
    model = DetentionCharge

    charge = serializers.IntegerField(
        source="charge_id", read_only=True, help_text=_("Id in /api/v1/charges/.")
    )
    name_es = serializers.CharField(source="charge.name_es", read_only=True, allow_null=True)
    name_en = serializers.CharField(source="charge.name_en", read_only=True, allow_null=True)
    law = serializers.CharField(source="charge.law", read_only=True)
    article = serializers.CharField(source="charge.article", read_only=True)
    charged_on = PreciseDateField("charged_on_precision", allow_null=True)
    charged_on_precision = PrecisionField("charged_on", allow_null=True)


class ReleaseConditionSerializer(TieredSerializer):
    model = ReleaseCondition

    kind = CodeField(ConditionKind.choices)
    interval_days = serializers.IntegerField(read_only=True, allow_null=True)
    court = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True, allow_null=True)
    details_es = serializers.CharField(read_only=True, allow_null=True)
    details_en = serializers.CharField(read_only=True, allow_null=True)


class ReleaseSerializer(TieredSerializer):
    model = Release

    released_on = PreciseDateField("released_on_precision")
    kind = CodeField(ReleaseKind.choices)
    public_note = serializers.CharField(read_only=True)
    conditions = ReleaseConditionSerializer(many=True, read_only=True)
    released_on_precision = PrecisionField("released_on")
    verified_at = serializers.DateTimeField(read_only=True)


class DetentionSerializer(TieredSerializer):
    model = Detention

    arrested_on = PreciseDateField("arrested_on_precision")
    ended_on = PreciseDateField("ended_on_precision", allow_null=True)
    end_reason = CodeField(EndReason.choices, allow_null=True)
    arresting_agency = CodeField(Agency.choices)
    arrest_place = serializers.CharField(read_only=True)
    arrest_state = CodeField(VenezuelanState.choices, allow_null=True)
    circumstances = serializers.CharField(read_only=True)
    legal_stage = CodeField(LegalStage.choices)
    court = serializers.CharField(read_only=True)
    sentence = serializers.CharField(read_only=True)
    custody = CustodyStaySerializer(source="stays", many=True, read_only=True)
    charges = DetentionChargeSerializer(source="detention_charges", many=True, read_only=True)
    release = serializers.SerializerMethodField(
        help_text=_("The verified release that ended this episode, if any.")
    )
    release_reported_unverified = serializers.SerializerMethodField(
        help_text=_("A release was reported but not verified yet: until it is, it is a claim.")
    )
    arrested_on_precision = PrecisionField("arrested_on")
    ended_on_precision = PrecisionField("ended_on", allow_null=True)

    @extend_schema_field(ReleaseSerializer(allow_null=True))
    def get_release(self, detention):
        release = detention.verified_release
        if release is None:
            return None
        return ReleaseSerializer(release, context=self.context).data

    def get_release_reported_unverified(self, detention) -> bool:
        release = getattr(detention, "release", None)
        return release is not None and not release.verified


class EventSerializer(TieredSerializer):
    model = Event

    occurred_on = PreciseDateField("occurred_on_precision")
    kind = CodeField(EventKind.choices)
    description = serializers.CharField(source="public_description", read_only=True)
    occurred_on_precision = PrecisionField("occurred_on")


class PublicSourceSerializer(TieredSerializer):
    model = Source

    kind = CodeField(SourceKind.choices)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    publisher = serializers.CharField(read_only=True)
    published_on = serializers.DateField(read_only=True, allow_null=True)


class PersonDetailSerializer(PersonListSerializer):
    public_summary_es = serializers.CharField(read_only=True, allow_null=True)
    public_summary_en = serializers.CharField(read_only=True, allow_null=True)
    detentions = DetentionSerializer(many=True, read_only=True)
    events = EventSerializer(
        source="public_events",
        many=True,
        read_only=True,
        help_text=_("Public timeline, oldest first."),
    )
    sources = PublicSourceSerializer(source="public_sources", many=True, read_only=True)


class FacilitySerializer(TieredSerializer):
    model = Facility

    slug = serializers.CharField(read_only=True, help_text=_("Stable identifier."))
    name = serializers.CharField(read_only=True)
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True)
    kind = CodeField(FacilityKind.choices)
    operator = CodeField(Agency.choices)
    state = CodeField(VenezuelanState.choices)
    city = serializers.CharField(read_only=True)
    operating_status = CodeField(OperatingStatus.choices)
    closure_announced_on = serializers.DateField(read_only=True, allow_null=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    description_es = serializers.CharField(read_only=True, allow_null=True)
    description_en = serializers.CharField(read_only=True, allow_null=True)
    people_currently_held = serializers.IntegerField(
        source="people_held",
        read_only=True,
        help_text=_(
            "Published people whose current place of custody is this facility (status "
            "detained), as on the facility's public page."
        ),
    )
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField(help_text=_("The facility's public page."))
    people_url = serializers.SerializerMethodField(help_text=_("The people held here, in the API."))
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, facility) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:facility-detail", args=[facility.slug])
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, facility) -> str:
        return self.context["request"].build_absolute_uri(facility_page_path(facility.slug))

    @extend_schema_field(OpenApiTypes.URI)
    def get_people_url(self, facility) -> str:
        path = reverse("api:person-list") + f"?facility={facility.slug}"
        return self.context["request"].build_absolute_uri(path)


class ChargeSerializer(TieredSerializer):
    model = Charge

    id = serializers.IntegerField(read_only=True)
    name_es = serializers.CharField(read_only=True, allow_null=True)
    name_en = serializers.CharField(read_only=True, allow_null=True)
    law = serializers.CharField(read_only=True)
    article = serializers.CharField(read_only=True)
    people_charged = serializers.IntegerField(
        read_only=True,
        help_text=_("Published people charged with it in any detention episode."),
    )


class ReleaseClaimSerializer(TieredSerializer):
    model = ReleaseClaim

    id = serializers.IntegerField(read_only=True)
    announced_on = serializers.DateField(read_only=True)
    claimant = serializers.CharField(read_only=True, help_text=_("Who announced it."))
    claimant_institution = serializers.CharField(read_only=True)
    claimed_count = serializers.IntegerField(
        read_only=True, help_text=_("How many releases the officials claimed.")
    )
    scope = serializers.CharField(read_only=True)
    names_published = serializers.BooleanField(read_only=True)
    verification_level = CodeField(VerificationLevel.choices)
    source = serializers.SerializerMethodField(
        help_text=_("The public source of the claim; null when none is public.")
    )
    names_listed = serializers.IntegerField(
        read_only=True, help_text=_("Names published with the claim and recorded here.")
    )
    names_matched = serializers.IntegerField(read_only=True)
    names_ambiguous = serializers.IntegerField(read_only=True)
    names_unknown = serializers.IntegerField(read_only=True)
    names_pending = serializers.IntegerField(read_only=True)
    releases_verified = serializers.IntegerField(
        read_only=True,
        help_text=_("Names on the claim whose release the registry has verified."),
    )
    matched_people = serializers.SerializerMethodField(
        help_text=_("Public ids of the published people the claim's names were matched to.")
    )

    @extend_schema_field(PublicSourceSerializer(allow_null=True))
    def get_source(self, claim):
        source = claim.source
        if source is None or source.is_confidential:
            return None
        return PublicSourceSerializer(source).data

    def get_matched_people(self, claim) -> list[str]:
        return sorted({name.person.public_id for name in claim.published_matches})


class CountSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)


class BreakdownSerializer(serializers.Serializer):
    statuses = serializers.ListField(
        child=CodeField(PersonStatus.choices),
        read_only=True,
        help_text=_("The statuses of the people counted."),
    )
    note = serializers.CharField(read_only=True)
    counts = CountSerializer(many=True, read_only=True)


class StatsSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(read_only=True)
    published_people = serializers.IntegerField(read_only=True)
    political_prisoners = serializers.IntegerField(
        read_only=True,
        help_text=_("Detained, place known or not (detained + whereabouts_unknown)."),
    )
    political_prisoners_statuses = serializers.ListField(
        child=CodeField(PersonStatus.choices), read_only=True
    )
    by_status = BreakdownSerializer(read_only=True)
    by_facility = BreakdownSerializer(read_only=True)
    by_state = BreakdownSerializer(read_only=True)
    by_category = BreakdownSerializer(read_only=True)


class DictionaryValueSerializer(serializers.Serializer):
    value = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)


class DictionaryFieldSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True)
    meaning = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    tier = serializers.ChoiceField(choices=[Tier.PUBLIC.value, Tier.PARTNER.value], read_only=True)
    values = DictionaryValueSerializer(many=True, read_only=True, allow_null=True)


class DataDictionarySerializer(serializers.Serializer):
    formats = serializers.DictField(child=serializers.CharField(), read_only=True)
    fields = DictionaryFieldSerializer(many=True, read_only=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
