"""One row of a case import, from the cells of the file to clean values, or to every error in it.

Nothing here writes; the database is read once per file (`Lookups`) to know the facilities,
charges and named values a row may use.
"""

import dataclasses
import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from cases.models import Charge, ConditionKind, LegalStage, ReleaseKind, SourceKind
from cases.services import ConditionSpec
from facilities.models import Facility
from imports.columns import text_key
from lib.national_id import national_id_hash, normalise_national_id
from lib.vocabulary import Agency, DatePrecision, VenezuelanState, normalise_to_precision
from registry.models import Category, Sex

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_LENGTHS = {
    "given_names": 150,
    "first_surname": 100,
    "second_surname": 100,
    "arrest_place": 200,
    "source_url": 1000,
}


class RowError(Exception):
    def __init__(self, field: str, message: str, code: str):
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text (CSV injection)."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


@dataclasses.dataclass
class CleanRow:
    number: int
    person: dict
    detention: dict
    facility: Facility | None
    charges: list[Charge]
    source: dict | None
    national_id_hash: str = ""
    release: dict | None = None
    conditions: list[ConditionSpec] = dataclasses.field(default_factory=list)

    @property
    def name_key(self) -> tuple[str, str, str]:
        """What makes two rows without a cédula the same person: names, as typed, any case."""
        return tuple(self.person[f].upper() for f in NAME_FIELDS)


NAME_FIELDS = ("given_names", "first_surname", "second_surname")

# Named values -----------------------------------------------------------------------------

SEX_WORDS = {
    Sex.FEMALE: ("f", "femenino", "female", "mujer", "woman"),
    Sex.MALE: ("m", "masculino", "male", "hombre", "man"),
    Sex.OTHER: ("otro", "other", "x"),
    Sex.UNKNOWN: ("desconocido", "unknown", "no se sabe", "nd", "n/d"),
}
RELEASE_KIND_WORDS = {
    ReleaseKind.PRECAUTIONARY_MEASURES: ("medidas cautelares", "cautelares", "con medidas"),
    ReleaseKind.UNCONDITIONAL: ("incondicional", "plena", "libertad plena", "unconditional"),
    ReleaseKind.AMNESTY: ("amnistia",),
    ReleaseKind.ACQUITTAL: ("absolucion", "sobreseimiento", "acquittal", "dismissal"),
    ReleaseKind.SENTENCE_SERVED: ("pena cumplida", "cumplimiento de pena"),
    ReleaseKind.HUMANITARIAN: ("humanitaria", "medida humanitaria", "humanitarian"),
    ReleaseKind.OTHER: ("otra", "otro"),
}
CONDITION_WORDS = {
    ConditionKind.PERIODIC_PRESENTATION: (
        "presentacion",
        "presentacion periodica",
        "regimen de presentacion",
        "presentaciones",
        "presentation",
        "periodic presentation",
    ),
    ConditionKind.TRAVEL_BAN: (
        "prohibicion de salida",
        "prohibicion de salida del pais",
        "prohibicion de salir del pais",
        "travel ban",
    ),
    ConditionKind.GAG_ORDER: (
        "prohibicion de declarar",
        "prohibicion de hablar",
        "prohibicion de declarar a medios",
        "gag order",
    ),
    ConditionKind.HOUSE_ARREST: ("arresto domiciliario", "casa por carcel", "house arrest"),
    ConditionKind.BAIL: ("fianza", "bail"),
    ConditionKind.POLITICAL_ACTIVITY_BAN: (
        "inhabilitacion politica",
        "prohibicion de actividad politica",
        "political activity ban",
    ),
    ConditionKind.OTHER: ("otra", "other"),
}
# "presentación cada 30 días", "periodic presentation every 15 days", "presentación (8 días)"
_INTERVAL = re.compile(r"(?:\b(?:cada|every)\s+)?\(?(\d{1,3})\s*(?:dias|days|d)\b\)?")
PRECISION_WORDS = {
    DatePrecision.DAY: ("dia", "day", "exacta", "exact"),
    DatePrecision.MONTH: ("mes", "month"),
    DatePrecision.YEAR: ("ano", "year"),
}


def _choice_index(choices) -> dict[str, str]:
    """Value, Spanish label and English label of each choice → value."""
    index = {}
    for language in ("en", "es"):
        with translation.override(language):
            for value, label in choices.choices:
                index[text_key(label)] = value
    for value in choices.values:
        index[text_key(value)] = value
    return index


class Lookups:
    """Everything a row is matched against, read once per file."""

    def __init__(self):
        self.sex = {text_key(w): value for value, words in SEX_WORDS.items() for w in words}
        self.precision = {
            text_key(w): value for value, words in PRECISION_WORDS.items() for w in words
        }
        self.categories = _choice_index(Category)
        self.categories.update({"periodista": Category.JOURNALIST, "estudiante": Category.STUDENT})
        self.states = _choice_index(VenezuelanState)
        self.agencies = _choice_index(Agency)
        self.legal_stages = _choice_index(LegalStage)
        self.source_kinds = _choice_index(SourceKind)
        self.source_kinds.update({"prensa": SourceKind.PRESS})
        self.release_kinds = _choice_index(ReleaseKind)
        self.release_kinds.update(
            {text_key(w): value for value, words in RELEASE_KIND_WORDS.items() for w in words}
        )
        self.conditions = _choice_index(ConditionKind)
        self.conditions.update(
            {text_key(w): value for value, words in CONDITION_WORDS.items() for w in words}
        )
        self.facilities: dict[str, Facility] = {}
        for facility in Facility.objects.all():
            for name in (*facility.aliases, facility.name):
                self.facilities[text_key(name)] = facility
        self.charges: dict[str, Charge] = {}
        for charge in Charge.objects.all():
            for name in (charge.name_en, charge.name_es, charge.name):
                if name:
                    self.charges[text_key(name)] = charge


# Cells ------------------------------------------------------------------------------------

_DAY_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
)
_MONTH_FORMATS = (
    (re.compile(r"^(\d{1,2})[/.-](\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
)
_YEAR_FORMAT = re.compile(r"^(\d{4})$")


def parse_date(field: str, value) -> tuple[datetime.date, str]:
    """A date and its precision from YYYY-MM-DD, dd/mm/yyyy, mm/yyyy, yyyy-mm or yyyy."""
    if isinstance(value, datetime.date):
        day, precision = value, DatePrecision.DAY
    else:
        text = str(value).strip()
        day, precision = None, None
        try:
            for pattern, order in _DAY_FORMATS:
                if match := pattern.match(text):
                    parts = dict(zip(order, map(int, match.groups()), strict=True))
                    day, precision = datetime.date(parts["y"], parts["m"], parts["d"]), "day"
            for pattern, order in _MONTH_FORMATS:
                if match := pattern.match(text):
                    parts = dict(zip(order, map(int, match.groups()), strict=True))
                    day, precision = datetime.date(parts["y"], parts["m"], 1), "month"
            if match := _YEAR_FORMAT.match(text):
                day, precision = datetime.date(int(match.group(1)), 1, 1), "year"
        except ValueError:
            day = None
        if day is None:
            raise RowError(
                field,
                _(
                    "“%(value)s” is not a date: write YYYY-MM-DD or dd/mm/yyyy (mm/yyyy or yyyy "
                    "when only the month or the year is known)."
                )
                % {"value": text[:40]},
                "invalid_date",
            )
    if day.year < 1900 or day > timezone.localdate():
        raise RowError(
            field,
            _("The date %(date)s is not plausible (before 1900 or in the future).")
            % {"date": day.isoformat()},
            "implausible_date",
        )
    return day, precision


def _text(values: dict, field: str) -> str:
    value = values.get(field)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = " ".join(str(value).split()) if field != "notes" else str(value).strip()
    if len(text) > MAX_LENGTHS.get(field, 10_000):
        raise RowError(
            field,
            _("Too long: at most %(limit)s characters.") % {"limit": MAX_LENGTHS[field]},
            "too_long",
        )
    return text


def _named(field: str, text: str, index: dict, code: str):
    if not text:
        return None
    value = index.get(text_key(text))
    if value is None:
        raise RowError(
            field,
            _("“%(value)s” is not a known value for this column.") % {"value": text[:60]},
            code,
        )
    return value


def _split(text: str, separators: str) -> list[str]:
    return [part.strip() for part in re.split(f"[{re.escape(separators)}]", text) if part.strip()]


def clean_row(number: int, values: dict, lookups: Lookups) -> tuple[CleanRow | None, list]:
    """The row's cleaned values, or every error in it (as RowError)."""
    errors: list[RowError] = []

    def attempt(function, *args):
        try:
            return function(*args)
        except RowError as error:
            errors.append(error)
            return None

    text = {field: attempt(_text, values, field) or "" for field in values}
    person: dict = {}
    for field in ("given_names", "first_surname"):
        if not text.get(field):
            errors.append(RowError(field, _("This column is required."), "required"))
        person[field] = neutralise(text.get(field, ""))
    person["second_surname"] = neutralise(text.get("second_surname", ""))

    id_hash = ""
    if text.get("national_id"):
        try:
            person["national_id"] = normalise_national_id(text["national_id"])
            id_hash = national_id_hash(text["national_id"])
        except ValidationError:
            errors.append(
                RowError(
                    "national_id",
                    _("Enter a national id number such as V-12.345.678 or 12345678."),
                    "invalid_national_id",
                )
            )
    person["sex"] = attempt(_named, "sex", text.get("sex", ""), lookups.sex, "invalid_sex")
    person["sex"] = person["sex"] or Sex.UNKNOWN

    if values.get("birth_date") not in (None, ""):
        born = attempt(parse_date, "birth_date", values["birth_date"])
        if born:
            day, precision = born
            if precision == DatePrecision.DAY:
                person["birth_date"] = day
            else:
                person["birth_year"] = day.year

    nationalities = []
    for code in _split(text.get("nationalities", ""), ",;|/"):
        if code.upper() in countries:
            nationalities.append(code.upper())
        else:
            errors.append(
                RowError(
                    "nationalities",
                    _("“%(value)s” is not a two-letter country code.") % {"value": code[:20]},
                    "invalid_nationality",
                )
            )
    person["nationalities"] = sorted(set(nationalities))
    categories = [
        attempt(_named, "categories", part, lookups.categories, "invalid_category")
        for part in _split(text.get("categories", ""), ",;|")
    ]
    person["categories"] = sorted({c for c in categories if c})
    if text.get("notes"):
        person["private_notes"] = neutralise(text["notes"])

    detention: dict = {}
    if values.get("arrested_on") in (None, ""):
        errors.append(RowError("arrested_on", _("This column is required."), "required"))
    else:
        arrested = attempt(parse_date, "arrested_on", values["arrested_on"])
        if arrested:
            day, precision = arrested
            explicit = attempt(
                _named,
                "arrested_on_precision",
                text.get("arrested_on_precision", ""),
                lookups.precision,
                "invalid_precision",
            )
            precision = explicit or precision
            detention["arrested_on"] = normalise_to_precision(day, precision)
            detention["arrested_on_precision"] = precision
    detention["arrest_place"] = neutralise(text.get("arrest_place", ""))
    detention["arrest_state"] = (
        attempt(
            _named, "arrest_state", text.get("arrest_state", ""), lookups.states, "invalid_state"
        )
        or ""
    )
    agency = attempt(
        _named,
        "arresting_agency",
        text.get("arresting_agency", ""),
        lookups.agencies,
        "invalid_agency",
    )
    detention["arresting_agency"] = agency or Agency.UNKNOWN
    stage = attempt(
        _named, "legal_stage", text.get("legal_stage", ""), lookups.legal_stages, "invalid_stage"
    )
    if stage:
        detention["legal_stage"] = stage

    facility = None
    if text.get("facility"):
        facility = lookups.facilities.get(text_key(text["facility"]))
        if facility is None:
            errors.append(
                RowError(
                    "facility",
                    _("No facility in the registry is called “%(value)s”.")
                    % {"value": text["facility"][:80]},
                    "unknown_facility",
                )
            )
    charges = []
    for name in _split(text.get("charges", ""), ";|"):
        charge = lookups.charges.get(text_key(name))
        if charge is None:
            errors.append(
                RowError(
                    "charges",
                    _("“%(value)s” is not in the catalogue of charges.") % {"value": name[:80]},
                    "unknown_charge",
                )
            )
        elif charge not in charges:
            charges.append(charge)

    source = None
    if text.get("source_url"):
        url = text["source_url"]
        url = url if "://" in url else f"https://{url}"
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            errors.append(RowError("source_url", _("Enter a valid web address."), "invalid_url"))
        kind = attempt(
            _named,
            "source_kind",
            text.get("source_kind", ""),
            lookups.source_kinds,
            "invalid_source_kind",
        )
        if not text.get("source_kind"):
            errors.append(
                RowError("source_kind", _("Say what kind of source this is."), "required")
            )
        source = {"url": url, "kind": kind, "title": url[:300]}

    release, conditions = _release(values, text, lookups, detention, errors)

    if errors:
        return None, errors
    return (
        CleanRow(
            number, person, detention, facility, charges, source, id_hash, release, conditions
        ),
        [],
    )


def _condition(text: str, lookups: Lookups, starts_on: datetime.date) -> ConditionSpec:
    key = text_key(text)
    interval = None
    if match := _INTERVAL.search(key):
        interval = int(match.group(1))
        key = " ".join(_INTERVAL.sub(" ", key).split())
    kind = lookups.conditions.get(key)
    if kind is None:
        raise RowError(
            "release_conditions",
            _("“%(value)s” is not a known release condition.") % {"value": text[:60]},
            "invalid_condition",
        )
    if kind == ConditionKind.PERIODIC_PRESENTATION and not interval:
        raise RowError(
            "release_conditions",
            _("Say how often the presentation is, e.g. “presentación cada 30 días”."),
            "condition_interval",
        )
    if kind != ConditionKind.PERIODIC_PRESENTATION:
        interval = None
    return ConditionSpec(kind=kind, starts_on=starts_on, interval_days=interval)


def _release(
    values: dict, text: dict, lookups: Lookups, detention: dict, errors: list
) -> tuple[dict | None, list[ConditionSpec]]:
    """The release a row reports (recorded unverified: a claim until a verifier checks it)."""
    given = values.get("released_on") not in (None, "")
    if not given:
        for field in ("release_kind", "release_conditions"):
            if text.get(field):
                errors.append(
                    RowError(field, _("Give the release date too."), "release_needs_date")
                )
        return None, []
    try:
        day, precision = parse_date("released_on", values["released_on"])
    except RowError as error:
        errors.append(error)
        return None, []
    day = normalise_to_precision(day, precision)
    if detention.get("arrested_on") and day < detention["arrested_on"]:
        errors.append(
            RowError(
                "released_on",
                _("The release cannot come before the arrest."),
                "release_before_arrest",
            )
        )
        return None, []
    conditions = []
    for part in _split(text.get("release_conditions", ""), ";|"):
        try:
            conditions.append(_condition(part, lookups, day))
        except RowError as error:
            errors.append(error)
    try:
        kind = _named(
            "release_kind", text.get("release_kind", ""), lookups.release_kinds, "invalid_kind"
        )
    except RowError as error:
        errors.append(error)
        return None, []
    if kind is None:
        kind = ReleaseKind.PRECAUTIONARY_MEASURES if conditions else ReleaseKind.OTHER
    return {"released_on": day, "released_on_precision": precision, "kind": kind}, conditions
