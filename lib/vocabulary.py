"""The shared vocabulary of DESIGN §2: enumerations used by more than one app."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonStatus(models.TextChoices):
    """A person's status, derived from their detention episodes (never typed by hand)."""

    DETAINED = "detained", _("Detained")
    WHEREABOUTS_UNKNOWN = "whereabouts_unknown", _("Whereabouts unknown")
    HOUSE_ARREST = "house_arrest", _("House arrest")
    RELEASED_CONDITIONAL = "released_conditional", _("Released under conditions")
    RELEASED = "released", _("Released")
    DECEASED_IN_CUSTODY = "deceased_in_custody", _("Deceased in custody")


# "Political prisoners" in a count: in custody, place known or not. House arrest is shown apart.
IN_CUSTODY_STATUSES = (PersonStatus.DETAINED, PersonStatus.WHEREABOUTS_UNKNOWN)


class VerificationLevel(models.TextChoices):
    REPORTED = "reported", _("Reported (one source)")
    CORROBORATED = "corroborated", _("Corroborated (two or more independent sources)")
    VERIFIED = "verified", _("Verified by a verifier")


class DatePrecision(models.TextChoices):
    """How much of a stored date the sources actually give.

    A date known to the month is stored as the first day of that month, a date known to the year
    as 1 January; database constraints keep that normal form.
    """

    DAY = "day", _("Exact day")
    MONTH = "month", _("Month only")
    YEAR = "year", _("Year only")


def normalise_to_precision(value: datetime.date, precision: str) -> datetime.date:
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


class Agency(models.TextChoices):
    """Arresting and custodial agencies."""

    SEBIN = "sebin", "SEBIN"
    DGCIM = "dgcim", "DGCIM"
    PNB = "pnb", "PNB"
    GNB = "gnb", "GNB"
    CICPC = "cicpc", "CICPC"
    DAET = "daet", "DAET"
    FAES = "faes", "FAES"
    FANB = "fanb", _("Armed forces (FANB)")
    PENITENTIARY_MINISTRY = "penitentiary_ministry", _("Penitentiary ministry")
    STATE_POLICE = "state_police", _("State or municipal police")
    COLECTIVOS = "colectivos", _("Armed civilian groups (colectivos)")
    UNKNOWN = "unknown", _("Unknown")


class VenezuelanState(models.TextChoices):
    """Venezuela's 23 states, the Capital District and the Federal Dependencies."""

    AMAZONAS = "amazonas", "Amazonas"
    ANZOATEGUI = "anzoategui", "Anzoátegui"
    APURE = "apure", "Apure"
    ARAGUA = "aragua", "Aragua"
    BARINAS = "barinas", "Barinas"
    BOLIVAR = "bolivar", "Bolívar"
    CARABOBO = "carabobo", "Carabobo"
    COJEDES = "cojedes", "Cojedes"
    DELTA_AMACURO = "delta_amacuro", "Delta Amacuro"
    DISTRITO_CAPITAL = "distrito_capital", _("Capital District")
    FALCON = "falcon", "Falcón"
    GUARICO = "guarico", "Guárico"
    LA_GUAIRA = "la_guaira", "La Guaira"
    LARA = "lara", "Lara"
    MERIDA = "merida", "Mérida"
    MIRANDA = "miranda", "Miranda"
    MONAGAS = "monagas", "Monagas"
    NUEVA_ESPARTA = "nueva_esparta", "Nueva Esparta"
    PORTUGUESA = "portuguesa", "Portuguesa"
    SUCRE = "sucre", "Sucre"
    TACHIRA = "tachira", "Táchira"
    TRUJILLO = "trujillo", "Trujillo"
    YARACUY = "yaracuy", "Yaracuy"
    ZULIA = "zulia", "Zulia"
    DEPENDENCIAS_FEDERALES = "dependencias_federales", _("Federal Dependencies")


def choices_check(field: str, choices: type[models.TextChoices], *, blank: bool = False):
    """A Q object for a CHECK constraint that keeps `field` inside its enumeration."""
    values = list(choices.values) + ([""] if blank else [])
    return models.Q(**{f"{field}__in": values})
