"""Streamed exports of published people: CSV and JSON lines, one row per person.

The columns and their meaning are defined once, here, as the data dictionary that the API
serves at /api/v1/data-dictionary/ and docs/api.md lists. Rows come from a server-side cursor
over `.values_list()` of explicit public columns (the facility through a join), so memory stays
flat whatever the number of rows and no row costs a query of its own. PostgreSQL computes and
formats every value (dates, timestamps in UTC, lists, the profile address, even each JSON
line), so that Python only copies rows to the stream: that is what keeps a million rows well
above the 25k rows/s target.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, F, Func, QuerySet, TextField, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from api.serializers import profile_path_template
from lib.privacy import Tier, field_tier
from lib.vocabulary import DatePrecision, PersonStatus, VenezuelanState, VerificationLevel
from registry.models import Category, Person, Sex

CHUNK_SIZE = 5000
CSV_BOM = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    meaning: Promise
    kind: str  # text, date, datetime, code, codes, url
    sources: tuple[str, ...]  # the Person fields it is made of (paths through relations)
    choices: list[tuple[str, Any]] | None = None

    @property
    def tier(self) -> Tier:
        """The most closed tier of its sources (lib/privacy.py); never staff or private."""
        tier = max((field_tier(Person, source) for source in self.sources), key=lambda t: t.rank)
        if not tier.shown_to(Tier.PARTNER):
            raise ImproperlyConfigured(f"The export column {self.name} reads a {tier} field.")
        return tier


COLUMNS: tuple[Column, ...] = (
    Column("public_id", _("Stable public identifier of the person."), "text", ("public_id",)),
    Column(
        "name",
        _("Name as shown on the public profile."),
        "text",
        ("display_name", "given_names", "first_surname", "second_surname"),
    ),
    Column("given_names", _("Given names."), "text", ("given_names",)),
    Column("first_surname", _("First surname."), "text", ("first_surname",)),
    Column("second_surname", _("Second surname (may be empty)."), "text", ("second_surname",)),
    Column(
        "status",
        _("Current status, derived from the detention episodes; empty if none is recorded."),
        "code",
        ("current_status",),
        PersonStatus.choices,
    ),
    Column(
        "current_facility",
        _("Identifier (slug) of the facility where the person is held now, when known."),
        "text",
        ("current_facility__slug",),
    ),
    Column(
        "current_facility_name", _("Name of that facility."), "text", ("current_facility__name",)
    ),
    Column(
        "current_facility_state",
        _("State of that facility."),
        "code",
        ("current_facility__state",),
        VenezuelanState.choices,
    ),
    Column(
        "detained_since",
        _(
            "Start of the detention in course, as precise as the sources give it: "
            "YYYY, YYYY-MM or YYYY-MM-DD."
        ),
        "date",
        ("detained_since",),
    ),
    Column(
        "categories",
        _("Categories of the person (several are separated by ';' in CSV)."),
        "codes",
        ("categories",),
        Category.choices,
    ),
    Column(
        "verification_level",
        _("How well the record is verified."),
        "code",
        ("verification_level",),
        VerificationLevel.choices,
    ),
    Column(
        "last_verified_at",
        _("When a verifier last checked the record."),
        "datetime",
        ("last_verified_at",),
    ),
    Column("updated_at", _("Last change to the person's record."), "datetime", ("updated_at",)),
    Column("profile_url", _("Address of the public profile."), "url", ("public_id", "slug")),
    Column("sex", _("Sex."), "code", ("sex",), Sex.choices),
    Column(
        "nationalities",
        _("Nationalities, ISO 3166-1 alpha-2 codes (several separated by ';' in CSV)."),
        "codes",
        ("nationalities",),
    ),
    Column(
        "detained_since_precision",
        _("Precision of detained_since."),
        "code",
        ("detained_since_precision",),
        DatePrecision.choices,
    ),
    Column(
        "created_at",
        _("When the record was created in the registry."),
        "datetime",
        ("created_at",),
    ),
)

# Columns whose text staff type freely (a spreadsheet could take it for a formula).
FREE_TEXT_COLUMNS = (
    "name",
    "given_names",
    "first_surname",
    "second_surname",
    "current_facility_name",
)


def columns_for(tier: Tier) -> list[Column]:
    return [column for column in COLUMNS if tier is Tier.PARTNER or column.tier is Tier.PUBLIC]


def neutralise_formula(text: str) -> str:
    """What NeutraliseFormula does in SQL, for text written from Python."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _RepeatingSql(Func):
    """An expression whose SQL uses its arguments several times (`uses`): compiled by hand so
    that their parameters are repeated as often."""

    output_field = TextField()
    uses: tuple[int, ...] = ()

    def render(self, *parts: str) -> str:
        raise NotImplementedError

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        sql = self.render(*(part for part, _params in compiled))
        params: list[Any] = []
        for count, (_part, part_params) in zip(self.uses, compiled, strict=True):
            params += list(part_params) * count
        return sql, params


class NeutraliseFormula(_RepeatingSql):
    """A text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""

    uses = (3,)

    def render(self, text: str) -> str:
        quote = "''''"  # SQL for a string holding one apostrophe
        return (
            f"CASE WHEN left({text}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
            f"THEN {quote} || {text} ELSE {text} END"
        )


class PreciseIsoDate(_RepeatingSql):
    """A date as precise as its precision column says: YYYY, YYYY-MM or YYYY-MM-DD."""

    uses = (3, 1)

    def render(self, date: str, precision: str) -> str:
        return (
            f"CASE {precision} WHEN 'year' THEN to_char({date}, 'YYYY') "
            f"WHEN 'month' THEN to_char({date}, 'YYYY-MM') ELSE to_char({date}, 'YYYY-MM-DD') END"
        )


class UtcIsoTimestamp(_RepeatingSql):
    uses = (1,)

    def render(self, moment: str) -> str:
        return f"""to_char({moment} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


class JoinedList(_RepeatingSql):
    uses = (1,)

    def render(self, array: str) -> str:
        return f"array_to_string({array}, '{LIST_SEPARATOR}')"


class JsonLine(Func):
    """json_build_object (not jsonb: the keys keep the columns' order), as text."""

    template = "json_build_object(%(expressions)s)::text"
    output_field = TextField()


def _blank_as_null(field: str) -> NullIf:
    return NullIf(F(field), Value(""))


def column_expressions(tier: Tier, base_url: str, *, for_csv: bool) -> dict[str, Any]:
    """One SQL expression per export column of `tier`, over explicit public columns only."""
    before_id, _, rest = profile_path_template().partition("PUBLICID")
    between, _, after_slug = rest.partition("SLUG")
    full_name = Func(
        Value(" "),
        _blank_as_null("given_names"),
        _blank_as_null("first_surname"),
        _blank_as_null("second_surname"),
        function="CONCAT_WS",
        output_field=TextField(),
    )
    expressions = {
        "public_id": F("public_id"),
        "name": Coalesce(_blank_as_null("display_name"), full_name),
        "given_names": F("given_names"),
        "first_surname": F("first_surname"),
        "second_surname": F("second_surname"),
        "status": _blank_as_null("current_status"),
        "current_facility": F("current_facility__slug"),
        "current_facility_name": F("current_facility__name"),
        "current_facility_state": F("current_facility__state"),
        "detained_since": PreciseIsoDate("detained_since", "detained_since_precision"),
        "categories": JoinedList("categories") if for_csv else F("categories"),
        "verification_level": F("verification_level"),
        "last_verified_at": UtcIsoTimestamp("last_verified_at"),
        "updated_at": UtcIsoTimestamp("updated_at"),
        "profile_url": Concat(
            Value(base_url + before_id),
            F("public_id"),
            Value(between),
            F("slug"),
            Value(after_slug),
            output_field=TextField(),
        ),
        "sex": F("sex"),
        "nationalities": JoinedList("nationalities") if for_csv else F("nationalities"),
        "detained_since_precision": Case(
            When(detained_since__isnull=True, then=Value(None)),
            default=F("detained_since_precision"),
            output_field=TextField(),
        ),
        "created_at": UtcIsoTimestamp("created_at"),
    }
    if for_csv:
        for name in FREE_TEXT_COLUMNS:
            expressions[name] = NeutraliseFormula(expressions[name])
    return {column.name: expressions[column.name] for column in columns_for(tier)}


def _rows(queryset: QuerySet, expressions: dict[str, Any]) -> Iterator[tuple]:
    # Aliases that cannot clash with the model's fields, read back in the columns' order.
    aliased = {f"export_{name}": expression for name, expression in expressions.items()}
    rows = queryset.order_by("pk").annotate(**aliased).values_list(*aliased)
    return rows.iterator(chunk_size=CHUNK_SIZE)


def _batched(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class CsvLine(Func):
    """One CSV record (RFC 4180) made by PostgreSQL: a field holding a comma, a double quote or
    a line break is quoted, its double quotes doubled; no value is an empty field."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        fields, params = [], []
        for expression in self.get_source_expressions():
            sql, field_params = compiler.compile(expression)
            fields.append(
                f"coalesce(CASE WHEN {sql} ~ E'[\",\\r\\n]' "
                f"THEN '\"' || replace({sql}, '\"', '\"\"') || '\"' ELSE {sql} END, '')"
            )
            params += list(field_params) * 3  # the field appears three times above
        return "concat_ws(',', " + ", ".join(fields) + ")", params


def stream_csv(queryset: QuerySet, tier: Tier, base_url: str) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, so that spreadsheets read the accents right."""
    expressions = column_expressions(tier, base_url, for_csv=True)
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(expressions)
    yield (CSV_BOM + header.getvalue()).encode()
    line = {"line": CsvLine(*expressions.values())}
    for batch in _batched(_rows(queryset, line), CHUNK_SIZE):
        yield ("\r\n".join(row[0] for row in batch) + "\r\n").encode()


def stream_jsonl(queryset: QuerySet, tier: Tier, base_url: str) -> Iterator[bytes]:
    """One JSON object per line, UTF-8, lists as arrays and missing values as null."""
    arguments: list[Any] = []
    for name, expression in column_expressions(tier, base_url, for_csv=False).items():
        arguments += [Value(name), expression]
    for batch in _batched(_rows(queryset, {"line": JsonLine(*arguments)}), CHUNK_SIZE):
        yield ("\n".join(row[0] for row in batch) + "\n").encode()


def data_dictionary(tier: Tier | None = None) -> list[dict[str, Any]]:
    """Field, meaning, type, tier and values of every export column (all tiers by default)."""
    columns = COLUMNS if tier is None else columns_for(tier)
    return [
        {
            "field": column.name,
            "meaning": str(column.meaning),
            "type": column.kind,
            "tier": column.tier.value,
            "values": (
                [{"value": value, "label": str(label)} for value, label in column.choices]
                if column.choices
                else None
            ),
        }
        for column in columns
    ]
