"""Bulk import of case records (issue #6, increment 1): validate a file, then commit it.

`import_validate` reads every row, collects every error (row number, column, translated
message) and counts what a commit would do. `import_commit` writes it all in one transaction,
audited with the reason "import #<id>", as drafts for verification; a row whose person is
already in the registry (same cédula, or same names and arrest date) is left unchanged, so
importing the same file again changes nothing.
"""

import dataclasses
import datetime
import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from cases.models import Charge, DetentionCharge, LegalStage, Source, SourceKind
from cases.services import detention_open
from facilities.models import Facility
from imports.columns import column_label, text_key
from imports.models import ImportJob, ImportState
from imports.reader import ImportFileError, read_table
from registry.audit import audit_reason
from registry.duplicates import likely_duplicates
from registry.models import Category, Person, RecordState, Sex
from registry.national_id import national_id_hash, normalise_national_id
from registry.vocabulary import Agency, DatePrecision, VenezuelanState, normalise_to_precision

PROGRESS_EVERY = 50
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


# Named values -----------------------------------------------------------------------------

SEX_WORDS = {
    Sex.FEMALE: ("f", "femenino", "female", "mujer", "woman"),
    Sex.MALE: ("m", "masculino", "male", "hombre", "man"),
    Sex.OTHER: ("otro", "other", "x"),
    Sex.UNKNOWN: ("desconocido", "unknown", "no se sabe", "nd", "n/d"),
}
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

    if errors:
        return None, errors
    return (
        CleanRow(number, person, detention, facility, charges, source, id_hash),
        [],
    )


def existing_person(row: CleanRow) -> Person | None:
    """The person this row describes, if already in the registry (the import is idempotent)."""
    if row.national_id_hash:
        found = Person.objects.filter(national_id_hash=row.national_id_hash).first()
        if found is not None:
            return found
    return Person.objects.filter(
        given_names__iexact=row.person["given_names"],
        first_surname__iexact=row.person["first_surname"],
        second_surname__iexact=row.person["second_surname"],
        detentions__arrested_on=row.detention["arrested_on"],
    ).first()


def _error(number, field, message, code) -> dict:
    return {
        "row": number,
        "column": column_label(field) if field else None,
        "code": code,
        "message": str(message),
    }


def _parse(job: ImportJob, *, progress: bool) -> tuple[list[CleanRow], list[dict]]:
    """Every row of the job's file, cleaned; and every error."""
    with job.file.open("rb") as handle:
        data = handle.read()
    table = read_table(data, job.original_name or job.file.name)
    lookups = Lookups()
    cleaned, errors = [], []
    seen_ids: dict[str, int] = {}
    records = list(table.records())
    if progress:
        job.rows_total, job.rows_done = len(records), 0
        job.save(update_fields=["rows_total", "rows_done"])
    for done, (number, values) in enumerate(records, start=1):
        row, row_errors = clean_row(number, values, lookups)
        errors.extend(_error(number, e.field, e.message, e.code) for e in row_errors)
        if row is not None and row.national_id_hash:
            if row.national_id_hash in seen_ids:
                errors.append(
                    _error(
                        number,
                        "national_id",
                        _("This cédula is also in row %(row)s.")
                        % {"row": seen_ids[row.national_id_hash]},
                        "repeated_national_id",
                    )
                )
                row = None
            else:
                seen_ids[row.national_id_hash] = number
        if row is not None:
            cleaned.append(row)
        if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
            job.rows_done = done
            job.save(update_fields=["rows_done"])
    return cleaned, errors


def _fail(job: ImportJob, errors: list[dict]) -> ImportJob:
    job.state = ImportState.FAILED
    job.errors = errors
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "errors", "finished_at"])
    return job


def import_validate(*, job: ImportJob) -> ImportJob:
    """Dry run: check every row and count what a commit would do. Writes only the job."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.state not in (ImportState.PENDING, ImportState.VALIDATING):
        return job  # already checked: nothing to do
    job.state = ImportState.VALIDATING
    job.save(update_fields=["state"])
    try:
        cleaned, errors = _parse(job, progress=True)
    except ImportFileError as error:
        return _fail(job, [_error(None, None, error.message, error.code)])
    counts = {"new": 0, "unchanged": 0, "likely_duplicates": 0, "rows_with_errors": 0}
    counts["rows_with_errors"] = len({e["row"] for e in errors})
    duplicates = []
    for row in cleaned:
        if existing_person(row) is not None:
            counts["unchanged"] += 1
            continue
        counts["new"] += 1
        candidates = likely_duplicates(
            given_names=row.person["given_names"],
            first_surname=row.person["first_surname"],
            second_surname=row.person["second_surname"],
            birth_date=row.person.get("birth_date"),
        )
        if candidates:
            counts["likely_duplicates"] += 1
            duplicates.append(
                {"row": row.number, "people": [{"pk": p.pk, "name": p.name} for p in candidates]}
            )
    job.counts = {**counts, "duplicates": duplicates}
    job.errors = errors
    job.state = ImportState.VALIDATED
    job.finished_at = timezone.now()
    job.save(update_fields=["counts", "errors", "state", "finished_at"])
    return job


def import_commit(*, job: ImportJob, by: AbstractBaseUser) -> ImportJob:
    """Write a checked file in one transaction: all rows or none."""
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.state == ImportState.COMMITTED:
                return job
            if job.state not in (ImportState.VALIDATED, ImportState.COMMITTING) or job.errors:
                raise ValidationError(
                    _("Only a checked file without errors can be imported."), code="not_ready"
                )
            cleaned, errors = _parse(job, progress=False)
            if errors:
                raise ValidationError(
                    _("The file no longer passes the checks: check it again."), code="changed"
                )
            created = unchanged = 0
            with audit_reason(f"import #{job.pk}", import_job=job.pk):
                for row in cleaned:
                    if existing_person(row) is not None:
                        unchanged += 1
                        continue
                    _write_row(row, by)
                    created += 1
            job.state = ImportState.COMMITTED
            job.counts = {**job.counts, "created": created, "unchanged_at_commit": unchanged}
            job.rows_done = job.rows_total
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "counts", "rows_done", "finished_at"])
            return job
    except ImportFileError as error:
        return _fail(job, [_error(None, None, error.message, error.code)])
    except ValidationError as error:
        if getattr(error, "code", None) == "not_ready":
            raise
        return _fail(job, [_error(None, None, " ".join(error.messages), "commit_failed")])
    except DatabaseError:
        message = _("The database refused the import; nothing was written. Check the file again.")
        return _fail(job, [_error(None, None, message, "commit_failed")])


def _write_row(row: CleanRow, by: AbstractBaseUser) -> None:
    try:
        person = Person(
            **row.person, record_state=RecordState.DRAFT, created_by=by, last_edited_by=by
        )
        person.full_clean()
        person.save()
        detention = detention_open(person=person, facility=row.facility, **row.detention)
        for charge in row.charges:
            DetentionCharge.objects.create(detention=detention, charge=charge)
        if row.source:
            source = Source(person=person, **row.source)
            source.full_clean()
            source.save()
    except ValidationError as error:
        raise ValidationError(
            _("Row %(row)s: %(errors)s") % {"row": row.number, "errors": " ".join(error.messages)}
        ) from error
