import datetime
import secrets

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from lib.audit import audited
from lib.encryption import EncryptedTextField
from lib.national_id import HashedNationalIdMixin, national_id_hash
from lib.privacy import Privacy, Tier, fields_of
from lib.vocabulary import (
    IN_CUSTODY_STATUSES,
    DatePrecision,
    PersonStatus,
    VerificationLevel,
    choices_check,
)
from registry.search import SearchNormalised, SimpleTsvector

PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
PUBLIC_ID_LENGTH = 10


def new_public_id() -> str:
    """A random, non-sequential public identifier (no look-alike characters)."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def country_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in countries]


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Category(models.TextChoices):
    JOURNALIST = "journalist", _("Journalist")
    POLITICIAN = "politician", _("Politician")
    PARTY_MEMBER = "party_member", _("Party member")
    MILITARY = "military", _("Military")
    HUMAN_RIGHTS_DEFENDER = "defender", _("Human rights defender")
    STUDENT = "student", _("Student")
    UNION_LEADER = "union_leader", _("Union leader")
    PROTESTER = "protester", _("Protester")
    ELECTION_WITNESS = "election_witness", _("Election witness")
    RELATIVE_OF_TARGET = "relative_of_target", _("Relative of a target")
    FOREIGN_NATIONAL = "foreign_national", _("Foreign national")
    OTHER = "other", _("Other")


class RecordState(models.TextChoices):
    """Where the record stands in the staff workflow (DESIGN §4: only `published` is public)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for verification")
    VERIFIED = "verified", _("Verified")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")
    REMOVED = "removed", _("Removed (taken down)")


class ConsentBasis(models.TextChoices):
    NONE = "none", _("No consent recorded")
    FAMILY = "family", _("Family consent")
    PERSON = "person", _("Consent of the person")
    PUBLIC_FIGURE = "public_figure", _("Public figure")


PUBLICATION_RULE = _(
    "Only a verified record with recorded consent, of a person who was not a minor at "
    "detention, can be published."
)


def person_slug(name: str) -> str:
    return slugify(name)[:200] or "persona"


def age_on(
    day: datetime.date, *, birth_date: datetime.date | None, birth_year: int | None
) -> int | None:
    """Age in whole years on `day`; with only a birth year, the youngest possible age."""
    if birth_date:
        before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
        return day.year - birth_date.year - before_birthday
    if birth_year:
        return day.year - birth_year - 1
    return None


def published_sql(alias: str) -> str:
    """The SQL twin of `PersonQuerySet.published()`: the condition on the `registry_person` row
    named `alias` that raw SQL (the statistics, the status SQL of cases.status) keeps to.

    Written as `<alias>.record_state = 'published'`, the very predicate of the partial indexes
    over published rows, so that the planner can use them (tests/registry/test_published_scope.py
    checks that it selects the same people as `published()`).
    """
    return f"{alias}.record_state = '{RecordState.PUBLISHED.value}'"


class PersonQuerySet(models.QuerySet):
    def published(self):
        """The only starting point for anything public (DESIGN §4): other public reads compose
        from it (`person__in=Person.objects.published()`), never restate it; raw SQL keeps to
        its twin, `published_sql`. Private columns (lib/privacy.py) are not even loaded."""
        return self.filter(record_state=RecordState.PUBLISHED).defer(
            *fields_of(self.model, Tier.PRIVATE)
        )

    def with_status(self, *statuses: str):
        return self.filter(current_status__in=statuses)

    def in_custody(self):
        return self.with_status(*IN_CUSTODY_STATUSES)

    def status_counts(self) -> dict[str, int]:
        """Number of people in each current status, in one query."""
        rows = self.order_by().values_list("current_status").annotate(models.Count("id"))
        return dict(rows)

    def with_national_id(self, raw: str):
        """Exact match on the keyed hash; empty when the text is not a national id number."""
        try:
            digest = national_id_hash(raw)
        except ValidationError:
            return self.none()
        return self.filter(national_id_hash=digest)


SEARCHED_NAME = Concat(
    "given_names",
    Value(" "),
    "first_surname",
    Value(" "),
    "second_surname",
    Value(" "),
    "display_name",
)


@audited(exclude=["search_name", "search_vector"])
class Person(HashedNationalIdMixin, models.Model):
    public_id = models.CharField(
        _("public id"),
        max_length=PUBLIC_ID_LENGTH,
        unique=True,
        default=new_public_id,
        editable=False,
    )
    slug = models.SlugField(_("slug"), max_length=200, blank=True, allow_unicode=False)

    given_names = models.CharField(_("given names"), max_length=150)
    first_surname = models.CharField(_("first surname"), max_length=100)
    second_surname = models.CharField(_("second surname"), max_length=100, blank=True)
    aliases = ArrayField(
        models.CharField(max_length=200), verbose_name=_("aliases"), default=list, blank=True
    )
    display_name = models.CharField(
        _("display name"),
        max_length=300,
        blank=True,
        help_text=_("Leave empty to use given names and surnames."),
    )

    national_id = EncryptedTextField(
        _("national id number (cédula)"),
        null=True,
        blank=True,
        help_text=_("Stored encrypted; never shown publicly."),
    )
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, help_text=_("When only the year is known.")
    )
    reported_as_minor = models.BooleanField(
        _("reported as a minor at detention"),
        default=False,
        help_text=_("Tick when sources say the person was under 18, even without a birth date."),
    )
    nationalities = ArrayField(
        models.CharField(max_length=2, choices=country_choices),
        verbose_name=_("nationalities"),
        default=list,
        blank=True,
        help_text=_("Two-letter country codes, separated by commas (VE, CO, ES…)."),
    )
    categories = ArrayField(
        models.CharField(max_length=30, choices=Category.choices),
        verbose_name=_("categories"),
        default=list,
        blank=True,
    )

    public_summary = models.TextField(_("public summary"), blank=True)
    private_notes = EncryptedTextField(_("private notes"), null=True, blank=True)
    family_contacts = EncryptedTextField(_("family contacts"), null=True, blank=True)

    record_state = models.CharField(
        _("record state"), max_length=20, choices=RecordState.choices, default=RecordState.DRAFT
    )
    consent_basis = models.CharField(
        _("consent"), max_length=20, choices=ConsentBasis.choices, default=ConsentBasis.NONE
    )
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    verification_level = models.CharField(
        _("verification level"),
        max_length=20,
        choices=VerificationLevel.choices,
        default=VerificationLevel.REPORTED,
    )
    last_verified_at = models.DateTimeField(
        _("last verified at"), null=True, blank=True, editable=False
    )
    state_changed_at = models.DateTimeField(
        _("state changed at"), null=True, blank=True, editable=False
    )

    # Derived from the detention episodes by cases.services.person_refresh_status, in the same
    # transaction as the change; never edited by hand.
    current_status = models.CharField(
        _("current status"),
        max_length=30,
        choices=PersonStatus.choices,
        blank=True,
        editable=False,
    )
    current_facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("current facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="current_detainees",
    )
    detained_since = models.DateField(_("detained since"), null=True, blank=True, editable=False)
    detained_since_precision = models.CharField(
        _("precision of the detained-since date"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        editable=False,
    )
    minor_at_detention = models.BooleanField(_("minor at detention"), default=False, editable=False)
    # Published, and changed since the version the public sees was approved (cases/projection.py):
    # the change waits in the review queue for a second person.
    changes_pending = models.BooleanField(
        _("changes pending review"), default=False, db_default=False, editable=False
    )
    # Why a reviewer sent the pending changes back (cleared when changes are approved).
    changes_sent_back = models.TextField(
        _("changes sent back because"), blank=True, db_default="", editable=False
    )

    # Name search (registry/search.py): stored, generated by PostgreSQL from the name fields.
    search_name = models.GeneratedField(
        expression=SearchNormalised(SEARCHED_NAME),
        output_field=models.TextField(),
        db_persist=True,
    )
    search_vector = models.GeneratedField(
        expression=SimpleTsvector(SearchNormalised(SEARCHED_NAME)),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    # Bookkeeping: the two-person rule reads who changed what from the audit trail
    # (cases/history.py, cases/rules.py), which no form can skip.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Optimistic locking: a save based on an older version is refused (lib.locking).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=[
            "public_id",
            "slug",
            "given_names",
            "first_surname",
            "second_surname",
            "display_name",
            "categories",
            "public_summary",
            "verification_level",
            "last_verified_at",
            "current_status",
            "current_facility",
            "detained_since",
            "updated_at",
        ],
        partner=["sex", "nationalities", "detained_since_precision", "created_at"],
        staff=[
            "id",
            "aliases",
            "birth_date",
            "birth_year",
            "reported_as_minor",
            "record_state",
            "consent_basis",
            "consent_recorded_on",
            "state_changed_at",
            "minor_at_detention",
            "changes_pending",
            "changes_sent_back",
            "search_name",
            "search_vector",
            "created_by",
            "last_edited_by",
            "version",
        ],
        private=["national_id", "national_id_hash", "private_notes", "family_contacts"],
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["first_surname", "second_surname", "given_names"]
        permissions = [("view_private_data", _("Can see national id, contacts and private notes"))]
        indexes = [
            models.Index(fields=["record_state", "current_status"]),
            # The public list's order and the API's incremental sync, over published rows only.
            models.Index(
                fields=["first_surname", "second_surname", "given_names", "id"],
                condition=Q(record_state=RecordState.PUBLISHED),
                name="person_published_name_order",
            ),
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(record_state=RecordState.PUBLISHED),
                name="person_published_updated",
            ),
            # The facility pages' "held now" counts, by index-only scans (bench_facilities).
            models.Index(
                fields=["current_facility"],
                condition=Q(record_state=RecordState.PUBLISHED),
                name="person_published_facility",
            ),
            GinIndex(fields=["search_vector"], name="person_search_vector_gin"),
            GinIndex(
                OpClass(F("search_name"), name="gin_trgm_ops"), name="person_search_name_trgm"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=choices_check("sex", Sex),
                name="person_sex_valid",
                violation_error_message=_("Choose a valid sex."),
            ),
            models.CheckConstraint(
                condition=choices_check("record_state", RecordState),
                name="person_record_state_valid",
                violation_error_message=_("Choose a valid record state."),
            ),
            models.CheckConstraint(
                condition=choices_check("consent_basis", ConsentBasis),
                name="person_consent_basis_valid",
                violation_error_message=_("Choose a valid consent."),
            ),
            models.CheckConstraint(
                condition=choices_check("verification_level", VerificationLevel),
                name="person_verification_level_valid",
                violation_error_message=_("Choose a valid verification level."),
            ),
            models.CheckConstraint(
                condition=choices_check("current_status", PersonStatus, blank=True),
                name="person_current_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
            models.CheckConstraint(
                condition=Q(categories__contained_by=list(Category.values)),
                name="person_categories_valid",
                violation_error_message=_("Choose valid categories."),
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="person_birth_year_plausible",
                violation_error_message=_("Enter a birth year between 1900 and 2100."),
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True)
                | Q(birth_year__isnull=True)
                | Q(birth_year=models.functions.ExtractYear("birth_date")),
                name="person_birth_year_matches_date",
                violation_error_message=_("The birth year does not match the birth date."),
            ),
            models.CheckConstraint(
                condition=~Q(consent_basis=ConsentBasis.NONE) | Q(consent_recorded_on__isnull=True),
                name="person_consent_date_needs_consent",
                violation_error_message=_("A consent date needs a kind of consent."),
            ),
            models.CheckConstraint(
                condition=~Q(record_state=RecordState.PUBLISHED)
                | (
                    Q(verification_level=VerificationLevel.VERIFIED)
                    & ~Q(consent_basis=ConsentBasis.NONE)
                    & Q(minor_at_detention=False, reported_as_minor=False)
                ),
                name="person_published_needs_verification_consent_adult",
                violation_error_message=PUBLICATION_RULE,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.slug = person_slug(self.name)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        if self.pk is not None and not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("public:person-detail", args=[self.public_id, self.slug])

    def clean(self) -> None:
        super().clean()
        # The database holds this rule too; checking it here names it in the form.
        if self.record_state == RecordState.PUBLISHED and not self.may_be_published():
            raise ValidationError({"record_state": PUBLICATION_RULE})

    def may_be_published(self) -> bool:
        return (
            self.verification_level == VerificationLevel.VERIFIED
            and self.consent_basis != ConsentBasis.NONE
            and not (self.minor_at_detention or self.reported_as_minor)
        )

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.given_names, self.first_surname, self.second_surname) if part
        )

    @property
    def name(self) -> str:
        return self.display_name or self.full_name

    @property
    def is_published(self) -> bool:
        return self.record_state == RecordState.PUBLISHED

    def age_on(self, day: datetime.date) -> int | None:
        return age_on(day, birth_date=self.birth_date, birth_year=self.birth_year)


class NameToken(models.Model):
    """The vocabulary of words in people's names, for typo correction in search.

    Maintained by a database trigger on every insert or name change of a person (so it also
    follows queryset updates and raw SQL); bulk loads switch the trigger off and rebuild it with
    one INSERT … SELECT (see migration 0002 and the generate_people command).
    Never shown to anyone: it only widens a query, and results are filtered as the caller says.
    """

    token = models.CharField(max_length=100, unique=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy.staff_only()

    class Meta:
        indexes = [GinIndex(OpClass(F("token"), name="gin_trgm_ops"), name="nametoken_trgm")]

    def __str__(self) -> str:
        return self.token


@audited()
class InformationSubmission(models.Model):
    """Information sent by the public ("send us information"): read by staff only."""

    about_name = models.CharField(_("name of the detained person"), max_length=300)
    message = EncryptedTextField(_("what you know"))
    contact = EncryptedTextField(_("how we can reach you (optional)"), null=True, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="information_submissions",
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    handled = models.BooleanField(_("handled"), default=False)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy.staff_only(private=["contact"])

    class Meta:
        verbose_name = _("information received")
        verbose_name_plural = _("information received")
        ordering = ["handled", "-created_at"]

    def __str__(self) -> str:
        return self.about_name


class PersonRedirect(models.Model):
    """The public id of a record merged into another: its old address leads to the survivor."""

    old_public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(public=["old_public_id", "person"], staff=["id", "created_at"])

    class Meta:
        verbose_name = _("redirect of a merged record")
        verbose_name_plural = _("redirects of merged records")

    def __str__(self) -> str:
        return f"{self.old_public_id} -> {self.person.public_id}"


class PrivateDataAccess(models.Model):
    """Every time staff are shown private fields (national id, contacts, private notes…).

    Append-only: a database trigger refuses updates and deletes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    model = models.CharField(max_length=100, default="registry.person")
    object_id = models.PositiveBigIntegerField(null=True)
    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, null=True
    )
    fields = ArrayField(models.CharField(max_length=50))
    path = models.CharField(max_length=500)
    accessed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy.staff_only()

    class Meta:
        verbose_name = _("access to private data")
        verbose_name_plural = _("accesses to private data")
        ordering = ["-accessed_at"]
        triggers = [
            pgtrigger.Protect(
                name="private_data_access_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.person_id} {self.accessed_at:%Y-%m-%d %H:%M}"
