"""The documented column sets of the imports (docs/imports.md): case records, and outside lists
of released people.

Each column has a Spanish header (used in the downloadable templates), an English header and a
few aliases. Headers are matched without regard to case, accents, spaces, hyphens or
underscores, so "Cédula", "cedula" and "CEDULA" are the same column.
"""

import dataclasses
import functools
import re
import unicodedata

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclasses.dataclass(frozen=True)
class Column:
    field: str
    es: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str | Promise = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.es, self.en, *self.aliases)


DATE_HELP = _("YYYY-MM-DD or dd/mm/yyyy; mm/yyyy or yyyy when only the month or year is known")

# Columns both kinds of file have.
FIRST_SURNAME = Column(
    "first_surname", "Primer apellido", "First surname", ("apellido", "surname"), True
)
SECOND_SURNAME = Column("second_surname", "Segundo apellido", "Second surname")
NATIONAL_ID = Column(
    "national_id",
    "Cédula",
    "National id",
    ("ci", "cedula de identidad", "id number"),
    help=_("V-12.345.678, E-1234567 or only the digits"),
)

COLUMNS: tuple[Column, ...] = (
    Column("given_names", "Nombres", "Given names", ("nombre", "names"), True),
    FIRST_SURNAME,
    SECOND_SURNAME,
    NATIONAL_ID,
    Column(
        "sex",
        "Sexo",
        "Sex",
        help=_("F, M, femenino, masculino, otro, desconocido (or female, male, other, unknown)"),
    ),
    Column(
        "birth_date",
        "Fecha de nacimiento",
        "Birth date",
        help=_("a full date, or only the year"),
    ),
    Column(
        "nationalities",
        "Nacionalidad",
        "Nationality",
        ("nacionalidades", "nationalities"),
        help=_("two-letter country codes separated by commas (VE, CO)"),
    ),
    Column(
        "categories",
        "Categorías",
        "Categories",
        ("categoria", "category"),
        help=_("separated by commas, as named in the registry (periodista, estudiante…)"),
    ),
    Column(
        "arrested_on",
        "Fecha de detención",
        "Arrested on",
        ("fecha de arresto", "arrest date"),
        True,
        DATE_HELP,
    ),
    Column(
        "arrested_on_precision",
        "Precisión de la fecha",
        "Arrest date precision",
        ("precision", "precision de la fecha de detencion", "date precision"),
        help=_("día, mes or año (day, month, year); by default, as precise as the date given"),
    ),
    Column("arrest_place", "Lugar de detención", "Arrest place", ("place of arrest",)),
    Column(
        "arrest_state",
        "Estado de detención",
        "Arrest state",
        ("estado", "state of arrest"),
        help=_("a Venezuelan state, as named in the registry"),
    ),
    Column(
        "arresting_agency",
        "Organismo aprehensor",
        "Arresting agency",
        ("organismo", "agency", "cuerpo aprehensor"),
        help=_("SEBIN, DGCIM, PNB, GNB, CICPC…"),
    ),
    Column(
        "facility",
        "Centro de reclusión",
        "Facility",
        ("centro", "lugar de reclusion", "prison"),
        help=_("the name or an alias of a facility in the registry"),
    ),
    Column(
        "charges",
        "Cargos",
        "Charges",
        ("delitos",),
        help=_("names of charges in the catalogue, separated by semicolons or |"),
    ),
    Column(
        "legal_stage",
        "Etapa procesal",
        "Legal stage",
        help=_("as named in the registry (sin cargos, imputado, juicio…)"),
    ),
    Column(
        "source_url",
        "URL de la fuente",
        "Source URL",
        ("fuente", "source"),
        help=_("https address of the source"),
    ),
    Column(
        "source_kind",
        "Tipo de fuente",
        "Source kind",
        help=_("needed with a source URL: prensa, informe de ONG… (press, NGO report…)"),
    ),
    Column(
        "released_on",
        "Fecha de excarcelación",
        "Released on",
        ("fecha de liberacion", "excarcelacion", "release date"),
        help=_("as the arrest date; the release is recorded as reported, until verified"),
    ),
    Column(
        "release_kind",
        "Tipo de excarcelación",
        "Release kind",
        ("tipo de liberacion", "kind of release"),
        help=_(
            "medidas cautelares, incondicional, amnistía… (by default: under precautionary "
            "measures when conditions are given, otherwise other)"
        ),
    ),
    Column(
        "release_conditions",
        "Condiciones",
        "Release conditions",
        ("medidas cautelares", "conditions"),
        help=_(
            "separated by semicolons: presentación cada 30 días; prohibición de salida del "
            "país; prohibición de declarar; arresto domiciliario…"
        ),
    ),
    Column("notes", "Notas", "Notes", ("observaciones", "private notes"), help=_("private")),
)

RELEASE_LIST_COLUMNS: tuple[Column, ...] = (
    Column(
        "published_name",
        "Nombre completo",
        "Full name",
        ("nombre y apellido", "nombres y apellidos", "name", "nombre"),
        help=_("as published; or the three name columns below"),
    ),
    Column("given_names", "Nombres", "Given names", ("names",)),
    dataclasses.replace(FIRST_SURNAME, required=False),
    SECOND_SURNAME,
    dataclasses.replace(
        NATIONAL_ID, help=_("optional; an exact match on the cédula comes before any name")
    ),
    Column(
        "released_on",
        "Fecha de excarcelación",
        "Released on",
        ("fecha de liberacion", "fecha", "release date", "date"),
        help=_("optional: YYYY-MM-DD or dd/mm/yyyy"),
    ),
)


def text_key(text: str) -> str:
    """Lower case, no accents, single spaces: how headers and named values are compared."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[\s_\-.]+", " ", text.lower()).split())


@dataclasses.dataclass(frozen=True)
class ColumnSet:
    """The columns one kind of file may have, and which of them it must have.

    `required_any` lists alternatives: at least one group of fields must be present in full
    (a list of released people names people either in one column or in three).
    """

    columns: tuple[Column, ...]
    required_any: tuple[tuple[str, ...], ...] = ()

    @functools.cached_property
    def by_field(self) -> dict[str, Column]:
        return {column.field: column for column in self.columns}

    @functools.cached_property
    def _header_index(self) -> dict[str, str]:
        return {text_key(header): c.field for c in self.columns for header in c.headers}

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(column.field for column in self.columns if column.required)

    def match_header(self, header: str) -> str | None:
        """The field a header names, or None."""
        return self._header_index.get(text_key(header))

    def label(self, field: str) -> str:
        """The Spanish header of a field, as errors name it."""
        column = self.by_field.get(field)
        return column.es if column else field


CASE_COLUMNS = ColumnSet(COLUMNS)
RELEASE_LIST_COLUMN_SET = ColumnSet(
    RELEASE_LIST_COLUMNS,
    required_any=(("published_name",), ("given_names", "first_surname")),
)
COLUMNS_BY_FIELD = CASE_COLUMNS.by_field


TEMPLATE_EXAMPLE = {
    "given_names": "Ana Lucía",
    "first_surname": "Ejemplo",
    "second_surname": "Ficticia",
    "national_id": "",
    "sex": "F",
    "birth_date": "14/02/1990",
    "nationalities": "VE",
    "categories": "estudiante",
    "arrested_on": "03/2024",
    "arrested_on_precision": "mes",
    "arrest_place": "Plaza de ejemplo",
    "arrest_state": "Miranda",
    "arresting_agency": "SEBIN",
    "facility": "",
    "charges": "",
    "legal_stage": "",
    "source_url": "https://example.org/nota",
    "source_kind": "prensa",
    "released_on": "",
    "release_kind": "",
    "release_conditions": "",
    "notes": "Fila de ejemplo: bórrela antes de importar.",
}

RELEASE_LIST_EXAMPLE = {
    "published_name": "Ana Lucía Ejemplo Ficticia",
    "given_names": "",
    "first_surname": "",
    "second_surname": "",
    "national_id": "",
    "released_on": "08/01/2026",
}
