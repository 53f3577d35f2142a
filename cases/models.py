import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from lib.audit import audited
from lib.encryption import EncryptedTextField
from lib.national_id import HashedNationalIdMixin
from lib.privacy import Privacy, Tier, fields_of
from lib.vocabulary import (
    Agency,
    DatePrecision,
    VenezuelanState,
    VerificationLevel,
    choices_check,
    normalise_to_precision,
)
from registry.models import PUBLIC_ID_LENGTH


class DateRange(Func):
    """PostgreSQL's daterange(start, end, '[)'); an open end means "until now"."""

    function = "DATERANGE"
    output_field = DateRangeField()


def precision_check(field: str) -> Q:
    """CHECK that a date with a precision is in normal form (1st of month, 1 January)."""
    precision = f"{field}_precision"
    return (
        Q(**{precision: DatePrecision.DAY})
        | Q(**{precision: DatePrecision.MONTH, f"{field}__day": 1})
        | Q(**{precision: DatePrecision.YEAR, f"{field}__day": 1, f"{field}__month": 1})
        | Q(**{f"{field}__isnull": True})
    )


def precision_constraints(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    constraints = []
    for field in fields:
        constraints += [
            models.CheckConstraint(
                condition=choices_check(f"{field}_precision", DatePrecision),
                name=f"{prefix}_{field}_precision_valid",
                violation_error_message=_("Choose a valid date precision."),
            ),
            models.CheckConstraint(
                condition=precision_check(field),
                name=f"{prefix}_{field}_normal_form",
                violation_error_message=_(
                    "A date known to the month is stored as the 1st of the month, "
                    "one known to the year as 1 January."
                ),
            ),
        ]
    return constraints


def precision_field(verbose_name: str):
    return models.CharField(
        verbose_name, max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )


class PreciseDatesMixin:
    """Puts every (date, precision) pair of the model in normal form before validation."""

    precise_date_fields: tuple[str, ...] = ()

    def normalise_precise_dates(self) -> None:
        for field in self.precise_date_fields:
            value = getattr(self, field)
            if isinstance(value, datetime.date):
                precision = getattr(self, f"{field}_precision")
                setattr(self, field, normalise_to_precision(value, precision))

    def clean(self) -> None:
        super().clean()
        self.normalise_precise_dates()

    def save(self, *args, **kwargs) -> None:
        self.normalise_precise_dates()
        super().save(*args, **kwargs)


class LegalStage(models.TextChoices):
    NO_CHARGES = "no_charges", _("No charges")
    CHARGED = "charged", _("Charged")
    PRELIMINARY_HEARING = "preliminary_hearing", _("Preliminary hearing")
    TRIAL = "trial", _("Trial")
    CONVICTED = "convicted", _("Convicted")
    APPEAL = "appeal", _("Appeal")


class EndReason(models.TextChoices):
    RELEASED = "released", _("Released (verified)")
    DIED_IN_CUSTODY = "died_in_custody", _("Died in custody")
    OTHER = "other", _("Other")


@audited()
class Detention(PreciseDatesMixin, models.Model):
    """One episode of deprivation of liberty. A person may have many; at most one is open."""

    precise_date_fields = ("arrested_on", "ended_on")

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="detentions",
    )
    arrested_on = models.DateField(_("arrested on"))
    arrested_on_precision = precision_field(_("precision of the arrest date"))
    arrest_place = models.CharField(_("place of arrest"), max_length=200, blank=True)
    arrest_state = models.CharField(
        _("state of arrest"), max_length=30, choices=VenezuelanState.choices, blank=True
    )
    arresting_agency = models.CharField(
        _("arresting agency"), max_length=30, choices=Agency.choices, default=Agency.UNKNOWN
    )
    circumstances = models.TextField(_("circumstances (public)"), blank=True)
    private_notes = EncryptedTextField(_("private notes"), null=True, blank=True)
    legal_stage = models.CharField(
        _("legal stage"), max_length=30, choices=LegalStage.choices, default=LegalStage.NO_CHARGES
    )
    court = models.CharField(_("court"), max_length=200, blank=True)
    sentence = models.CharField(_("sentence"), max_length=200, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_on_precision = precision_field(_("precision of the end date"))
    end_reason = models.CharField(
        _("end reason"), max_length=30, choices=EndReason.choices, blank=True
    )
    charges = models.ManyToManyField(
        "cases.Charge", through="cases.DetentionCharge", verbose_name=_("charges"), blank=True
    )

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=[
            "person",
            "arrested_on",
            "arrest_place",
            "arrest_state",
            "arresting_agency",
            "circumstances",
            "legal_stage",
            "court",
            "sentence",
            "ended_on",
            "end_reason",
        ],
        partner=["arrested_on_precision", "ended_on_precision"],
        staff=["id"],
        private=["private_notes"],
    )

    class Meta:
        verbose_name = _("detention")
        verbose_name_plural = _("detentions")
        ordering = ["-arrested_on", "-id"]
        constraints = [
            *precision_constraints("detention", "arrested_on", "ended_on"),
            models.CheckConstraint(
                condition=choices_check("arrest_state", VenezuelanState, blank=True),
                name="detention_arrest_state_valid",
                violation_error_message=_("Choose a valid state."),
            ),
            models.CheckConstraint(
                condition=choices_check("arresting_agency", Agency),
                name="detention_arresting_agency_valid",
                violation_error_message=_("Choose a valid agency."),
            ),
            models.CheckConstraint(
                condition=choices_check("legal_stage", LegalStage),
                name="detention_legal_stage_valid",
                violation_error_message=_("Choose a valid legal stage."),
            ),
            models.CheckConstraint(
                condition=choices_check("end_reason", EndReason, blank=True),
                name="detention_end_reason_valid",
                violation_error_message=_("Choose a valid end reason."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("arrested_on")),
                name="detention_ends_after_arrest",
                violation_error_message=_("A detention cannot end before the arrest."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="detention_end_date_and_reason_together",
                violation_error_message=_("Give both the end date and the end reason, or neither."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="detention_one_open_per_person",
                violation_error_message=_(
                    "This person already has an open detention: close it before opening another."
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("%(person)s, arrested %(date)s") % {
            "person": self.person,
            "date": self.arrested_on.isoformat() if self.arrested_on else "?",
        }

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def verified_release(self) -> "Release | None":
        """The release that ended this episode, if it is verified; an unverified release is a
        claim and counts for nothing (DESIGN §2). Reads a prefetched `release` as it is."""
        release = getattr(self, "release", None)
        return release if release is not None and release.verified else None


@audited()
class CustodyStay(PreciseDatesMixin, models.Model):
    """Where a detained person was held, and when. No facility means whereabouts unknown."""

    precise_date_fields = ("started_on", "ended_on")

    detention = models.ForeignKey(
        Detention, verbose_name=_("detention"), on_delete=models.CASCADE, related_name="stays"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stays",
        help_text=_("Leave empty when the state does not acknowledge where the person is held."),
    )
    started_on = models.DateField(_("from"))
    started_on_precision = precision_field(_("precision of the start date"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    ended_on_precision = precision_field(_("precision of the end date"))

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["detention", "facility", "started_on", "ended_on"],
        partner=["started_on_precision", "ended_on_precision"],
        staff=["id"],
    )

    class Meta:
        verbose_name = _("custody stay")
        verbose_name_plural = _("custody stays")
        ordering = ["started_on", "id"]
        constraints = [
            *precision_constraints("custodystay", "started_on", "ended_on"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="custodystay_ends_after_start",
                violation_error_message=_("A stay cannot end before it starts."),
            ),
            ExclusionConstraint(
                name="custodystay_no_overlap_in_detention",
                expressions=[
                    ("detention", RangeOperators.EQUAL),
                    (
                        DateRange("started_on", "ended_on", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_("This stay overlaps another stay of the same detention."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.facility or _("Whereabouts unknown"))

    def clean(self) -> None:
        super().clean()
        detention = getattr(self, "detention", None) if self.detention_id else None
        if detention and self.started_on and self.started_on < detention.arrested_on:
            raise ValidationError({"started_on": _("A stay cannot start before the arrest.")})
        if (
            detention
            and detention.ended_on
            and self.started_on
            and self.started_on > detention.ended_on
        ):
            raise ValidationError(
                {"started_on": _("A stay cannot start after the detention ended.")}
            )


@audited()
class Charge(models.Model):
    """The catalogue of charges (reference data, editable by staff)."""

    name = models.CharField(_("name"), max_length=200)
    law = models.CharField(_("law"), max_length=200, blank=True)
    article = models.CharField(_("article"), max_length=50, blank=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(public=["id", "name", "law", "article"])

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "law", "article"],
                name="charge_unique",
                violation_error_message=_("This charge is already in the catalogue."),
            ),
        ]

    def __str__(self) -> str:
        if self.article:
            return f"{self.name} ({self.law}, art. {self.article})"
        return self.name


@audited()
class DetentionCharge(PreciseDatesMixin, models.Model):
    precise_date_fields = ("charged_on",)

    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.CASCADE,
        related_name="detention_charges",
    )
    charge = models.ForeignKey(Charge, verbose_name=_("charge"), on_delete=models.PROTECT)
    charged_on = models.DateField(_("charged on"), null=True, blank=True)
    charged_on_precision = precision_field(_("precision of the charge date"))

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["detention", "charge", "charged_on"], partner=["charged_on_precision"], staff=["id"]
    )

    class Meta:
        verbose_name = _("charge of a detention")
        verbose_name_plural = _("charges of the detention")
        ordering = ["charged_on", "id"]
        constraints = [
            *precision_constraints("detentioncharge", "charged_on"),
            models.UniqueConstraint(
                fields=["detention", "charge"],
                name="detentioncharge_unique",
                violation_error_message=_("This charge is already listed for the detention."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.charge)


class HttpsURLField(models.URLField):
    """A URL typed without a scheme is taken as https (Django 6's default, chosen now)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class SourceKind(models.TextChoices):
    NGO_REPORT = "ngo_report", _("NGO report")
    PRESS = "press", _("Press")
    OFFICIAL_STATEMENT = "official_statement", _("Official statement")
    FAMILY_TESTIMONY = "family_testimony", _("Family testimony")
    LAWYER = "lawyer", _("Lawyer")
    COURT_DOCUMENT = "court_document", _("Court document")
    SOCIAL_MEDIA = "social_media", _("Social media")


class SourceQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_confidential=False)


@audited()
class Source(models.Model):
    """Evidence for a record. A confidential source is never shown outside staff."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="sources",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SourceKind.choices)
    title = models.CharField(_("title"), max_length=300)
    url = HttpsURLField(_("URL"), max_length=1000, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    is_confidential = models.BooleanField(
        _("confidential"),
        default=True,
        help_text=_("Confidential sources are only ever shown to staff."),
    )
    confidential_details = EncryptedTextField(
        _("confidential details"),
        null=True,
        blank=True,
        help_text=_("Who gave the information and how to reach them. Stored encrypted."),
    )

    objects = SourceQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["person", "kind", "title", "url", "publisher", "published_on"],
        staff=["id", "is_confidential"],
        private=["confidential_details"],
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=choices_check("kind", SourceKind),
                name="source_kind_valid",
                violation_error_message=_("Choose a valid kind of source."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReleaseKind(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Unconditional release")
    PRECAUTIONARY_MEASURES = "precautionary_measures", _("Release under precautionary measures")
    AMNESTY = "amnesty", _("Amnesty")
    ACQUITTAL = "acquittal", _("Acquittal or dismissal")
    SENTENCE_SERVED = "sentence_served", _("Sentence served")
    HUMANITARIAN = "humanitarian", _("Humanitarian release")
    OTHER = "other", _("Other")


class ReleaseQuerySet(models.QuerySet):
    def verified(self):
        """Releases that count: verified by a verifier (an unverified one is a claim)."""
        return self.filter(verified=True)


@audited()
class Release(PreciseDatesMixin, models.Model):
    """The release that ends a detention. Only a verified release changes a person's status."""

    precise_date_fields = ("released_on",)

    detention = models.OneToOneField(
        Detention, verbose_name=_("detention"), on_delete=models.CASCADE, related_name="release"
    )
    released_on = models.DateField(_("released on"))
    released_on_precision = precision_field(_("precision of the release date"))
    kind = models.CharField(_("kind"), max_length=30, choices=ReleaseKind.choices)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Checked through family, lawyer or document. Until then it is only a claim."),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    public_note = models.TextField(_("public note"), blank=True)
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True)

    objects = ReleaseQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["detention", "released_on", "kind", "public_note"],
        partner=["released_on_precision", "verified_at"],
        staff=["id", "verified", "verified_by"],
    )

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-released_on"]
        constraints = [
            *precision_constraints("release", "released_on"),
            models.CheckConstraint(
                condition=choices_check("kind", ReleaseKind),
                name="release_kind_valid",
                violation_error_message=_("Choose a valid kind of release."),
            ),
            models.CheckConstraint(
                condition=Q(verified=False) | Q(verified_at__isnull=False),
                name="release_verified_has_date",
                violation_error_message=_("A verified release needs the date it was verified."),
            ),
        ]

    def __str__(self) -> str:
        return _("Release of %(person)s") % {"person": self.detention.person}

    def clean(self) -> None:
        super().clean()
        detention = getattr(self, "detention", None) if self.detention_id else None
        if detention and self.released_on and self.released_on < detention.arrested_on:
            raise ValidationError({"released_on": _("A release cannot come before the arrest.")})
        if detention and detention.end_reason not in ("", EndReason.RELEASED):
            raise ValidationError(
                _("This detention ended otherwise (%(reason)s): it cannot have a release.")
                % {"reason": detention.get_end_reason_display()}
            )


class ConditionKind(models.TextChoices):
    PERIODIC_PRESENTATION = "periodic_presentation", _("Periodic presentation before a court")
    TRAVEL_BAN = "travel_ban", _("Travel ban")
    GAG_ORDER = "gag_order", _("Ban on speaking about the case")
    HOUSE_ARREST = "house_arrest", _("House arrest")
    BAIL = "bail", _("Bail")
    POLITICAL_ACTIVITY_BAN = "political_activity_ban", _("Ban on political activity")
    OTHER = "other", _("Other")


class ReleaseConditionQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))


@audited()
class ReleaseCondition(models.Model):
    release = models.ForeignKey(
        Release, verbose_name=_("release"), on_delete=models.CASCADE, related_name="conditions"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ConditionKind.choices)
    interval_days = models.PositiveSmallIntegerField(
        _("every N days"),
        null=True,
        blank=True,
        help_text=_("For periodic presentation: how often, in days."),
    )
    court = models.CharField(_("court"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    details = models.TextField(_("details"), blank=True)

    objects = ReleaseConditionQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["release", "kind", "interval_days", "court", "starts_on", "ends_on", "details"],
        staff=["id"],
    )

    class Meta:
        verbose_name = _("release condition")
        verbose_name_plural = _("release conditions")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=choices_check("kind", ConditionKind),
                name="releasecondition_kind_valid",
                violation_error_message=_("Choose a valid kind of condition."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="releasecondition_ends_after_start",
                violation_error_message=_("A condition cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ConditionKind.PERIODIC_PRESENTATION)
                | Q(interval_days__isnull=False, interval_days__gte=1),
                name="releasecondition_presentation_has_interval",
                violation_error_message=_("A periodic presentation needs its interval in days."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_active_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class EventKind(models.TextChoices):
    ARREST = "arrest", _("Arrest")
    DISAPPEARANCE = "disappearance", _("Disappearance")
    LOCATED = "located", _("Located")
    TRANSFER = "transfer", _("Transfer")
    HEARING = "hearing", _("Hearing")
    HEARING_POSTPONED = "hearing_postponed", _("Hearing postponed")
    CHARGES = "charges", _("Charges")
    SENTENCE = "sentence", _("Sentence")
    RELEASE = "release", _("Release")
    REARREST = "rearrest", _("Re-arrest")
    HUNGER_STRIKE = "hunger_strike", _("Hunger strike")
    HEALTH_EMERGENCY = "health_emergency", _("Health emergency")
    TORTURE_ALLEGATION = "torture_allegation", _("Torture allegation")
    VISITS_DENIED = "visits_denied", _("Visits denied")
    VISITS_ALLOWED = "visits_allowed", _("Visits allowed")
    DEATH = "death", _("Death")
    STATEMENT = "statement", _("Statement")


class EventQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


@audited()
class Event(PreciseDatesMixin, models.Model):
    """An item of a person's timeline."""

    precise_date_fields = ("occurred_on",)

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    detention = models.ForeignKey(
        Detention,
        verbose_name=_("detention"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    occurred_on = models.DateField(_("date"))
    occurred_on_precision = precision_field(_("precision of the date"))
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    public_description = models.TextField(_("public description"), blank=True)
    private_description = EncryptedTextField(_("private description"), null=True, blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown on the public profile once published.")
    )
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True)

    objects = EventQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["person", "detention", "occurred_on", "kind", "public_description"],
        partner=["occurred_on_precision"],
        staff=["id", "is_public"],
        private=["private_description"],
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["occurred_on", "id"]
        constraints = [
            *precision_constraints("event", "occurred_on"),
            models.CheckConstraint(
                condition=choices_check("kind", EventKind),
                name="event_kind_valid",
                violation_error_message=_("Choose a valid kind of event."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        if self.detention_id and self.person_id and self.detention.person_id != self.person_id:
            raise ValidationError({"detention": _("This detention belongs to another person.")})


@audited()
class ReleaseClaim(models.Model):
    """A public claim by officials that people were released. It never changes a status."""

    announced_on = models.DateField(_("announced on"))
    claimant = models.CharField(_("who announced it"), max_length=200)
    claimant_institution = models.CharField(_("institution"), max_length=200, blank=True)
    claimed_count = models.PositiveIntegerField(_("number claimed"))
    scope = models.CharField(
        _("scope"),
        max_length=300,
        blank=True,
        help_text=_("What the claim covers, e.g. 'political prisoners released in recent hours'."),
    )
    names_published = models.BooleanField(_("names published"), default=False)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="release_claims",
    )
    verification_level = models.CharField(
        _("verification level"),
        max_length=20,
        choices=VerificationLevel.choices,
        default=VerificationLevel.REPORTED,
    )
    notes = models.TextField(_("notes"), blank=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=[
            "id",
            "announced_on",
            "claimant",
            "claimant_institution",
            "claimed_count",
            "scope",
            "names_published",
            "source",
            "verification_level",
        ],
        staff=["notes"],
    )

    class Meta:
        verbose_name = _("release claim")
        verbose_name_plural = _("release claims")
        ordering = ["-announced_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__gte=1),
                name="releaseclaim_count_positive",
                violation_error_message=_("A claim counts at least one person."),
            ),
            models.CheckConstraint(
                condition=choices_check("verification_level", VerificationLevel),
                name="releaseclaim_verification_level_valid",
                violation_error_message=_("Choose a valid verification level."),
            ),
        ]

    def __str__(self) -> str:
        return _("%(count)s claimed by %(who)s on %(date)s") % {
            "count": self.claimed_count,
            "who": self.claimant,
            "date": self.announced_on,
        }


class MatchStatus(models.TextChoices):
    PENDING = "pending", _("Not yet reconciled")
    MATCHED = "matched", _("Matched")
    AMBIGUOUS = "ambiguous", _("Ambiguous")
    UNKNOWN = "unknown", _("Unknown to the registry")


@audited()
class ReleaseClaimName(HashedNationalIdMixin, models.Model):
    """A name published with a claim, reconciled against the registry's people."""

    claim = models.ForeignKey(
        ReleaseClaim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="names"
    )
    published_name = models.CharField(_("name as published"), max_length=300)
    national_id = EncryptedTextField(_("national id number"), null=True, blank=True)
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    match_status = models.CharField(
        _("match"), max_length=20, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="release_claim_names",
    )
    verified_released = models.BooleanField(_("release verified"), default=False)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["claim", "match_status", "person", "verified_released"],
        staff=["id", "published_name"],
        private=["national_id", "national_id_hash"],
    )

    class Meta:
        verbose_name = _("name in a claim")
        verbose_name_plural = _("names in the claim")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=choices_check("match_status", MatchStatus),
                name="releaseclaimname_match_status_valid",
                violation_error_message=_("Choose a valid match."),
            ),
            models.CheckConstraint(
                condition=~Q(match_status=MatchStatus.MATCHED) | Q(person__isnull=False),
                name="releaseclaimname_matched_has_person",
                violation_error_message=_("A matched name needs the person it matches."),
            ),
            models.CheckConstraint(
                condition=~Q(match_status=MatchStatus.UNKNOWN) | Q(person__isnull=True),
                name="releaseclaimname_unknown_has_no_person",
                violation_error_message=_("A name unknown to the registry has no person."),
            ),
        ]

    def __str__(self) -> str:
        return self.published_name


def public_profile_prefetches() -> list[Prefetch]:
    """What a public profile shows of a person's case, for `Person.objects.published()
    .prefetch_related(...)`: every detention with its custody stays, charges, release and
    conditions, the public events (oldest first) and the public sources, in one query each.
    Private columns (lib/privacy.py) are never loaded. The public page and the API read this."""
    detentions = (
        Detention.objects.select_related("release")
        .defer(*fields_of(Detention, Tier.PRIVATE))
        .prefetch_related(
            Prefetch("stays", queryset=CustodyStay.objects.select_related("facility")),
            Prefetch(
                "detention_charges", queryset=DetentionCharge.objects.select_related("charge")
            ),
            "release__conditions",
        )
    )
    events = Event.objects.public().defer(*fields_of(Event, Tier.PRIVATE))
    sources = Source.objects.public().defer(*fields_of(Source, Tier.PRIVATE))
    return [
        Prefetch("detentions", queryset=detentions),
        Prefetch("events", queryset=events.order_by("occurred_on", "id"), to_attr="public_events"),
        Prefetch("sources", queryset=sources, to_attr="public_sources"),
    ]


class PublicVersion(models.Model):
    """An approved version of what the public sees of a person (cases/projection.py): written
    once, when a second person approves, and never changed. The public reads the latest one of
    each published person; the earlier ones make the public version history."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="public_versions",
    )
    number = models.PositiveIntegerField(_("version"))
    approved_at = models.DateTimeField(_("approved at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # The projected rows (cases/projection.py); it holds the national id's keyed hash, so it
    # is staff-tier: public pages show what `changes` and the approved tables hold.
    document = models.JSONField(_("document"))
    # What changed from the previous version, in public fields only (cases/projection.py).
    changes = models.JSONField(_("changes"), default=list)

    privacy = Privacy(
        public=["person", "number", "approved_at", "changes"],
        staff=["id", "approved_by", "document"],
    )

    class Meta:
        verbose_name = _("public version")
        verbose_name_plural = _("public versions")
        ordering = ["person", "number"]
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="publicversion_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="publicversion_number"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("An approved version is never changed."))
        super().save(*args, **kwargs)


class Tombstone(models.Model):
    """A record taken down: its public address answers 410 Gone, with nothing else said."""

    public_id = models.CharField(_("public id"), max_length=PUBLIC_ID_LENGTH, unique=True)
    removed_at = models.DateTimeField(_("removed at"), auto_now_add=True)

    privacy = Privacy(public=["public_id", "removed_at"], staff=["id"])

    class Meta:
        verbose_name = _("tombstone")
        verbose_name_plural = _("tombstones")

    def __str__(self) -> str:
        return self.public_id
