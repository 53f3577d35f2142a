"""Benchmark the bulk case import (DESIGN §7, issue #6) in a throwaway database.

    .venv/bin/python manage.py bench_import [--rows 50000] [--people 20000] \
        [--baseline-rows 1000] [--seed 1] [--profile 15]

Target (issue #6): a 50,000-row CSV validated and committed at >= 2,000 rows/s, all or
nothing, with a peak resident memory under 500 MB.

The developer's data is never touched: the command creates its own database on the same server
(`bench_import_<pid>`, migrated by `create_test_db`), loads the reference facilities and
charges (`load_reference_data`), adds `--people` synthetic people already in the registry
(`generate_people`, its own default seed; 20,000 is the real registry's size) and drops the
database again at the end, whatever happens. Uploaded files go to a temporary MEDIA_ROOT.

The file: `--rows` rows with the Spanish headers of `imports.columns.COLUMNS`, all valid, the
same for a given `--seed`. Names come from bench.names' pools (accents, two surnames,
Zipf-like) drawn with a seed of their own, so they are not the sequence of the people already
in the registry. No row has the names and arrest date of a registry person (the import would
rightly count it as already there), and no two rows of the file share their names (however rows
without a cédula are matched within a file, each row is one new person). About 70 % of rows
carry a unique cédula in the usual written forms (V-12.345.678, 12345678, E-...); birth dates
for some; arrest dates as dd/mm/yyyy, yyyy-mm-dd, mm/yyyy or yyyy; states, agencies, legal
stages and source kinds as the registry names them in Spanish; facility names and aliases from
the Facility table; 0-2 charges from the catalogue separated by ";"; a source URL and kind and
notes for some. The generated rows are freed before the phases, so that the process holds only
the file's bytes when the import starts. IMPORT_MAX_BYTES is raised for the run when the file
is larger (a note says so).

Phases, each timed with perf_counter; the peak resident memory of each is VmHWM from
/proc/self/status after resetting it (`5` into /proc/self/clear_refs) at the start of the phase:
    (a) `import_validate` of the whole file (dry run): must report no error and every row new;
    (b) `import_commit` of the whole file: every row written (people, detentions, charges and
        sources counted before and after);
    (c) the same file again, as a new job, validated and committed: must report 0 new and
        create nothing.
The headline figure is the file's rows over the time of (a) + (b). Memory the process does not
give back after a phase shows as the next phase's "RSS before".

The baseline, measured in the same run before the import on `--baseline-rows` other generated
rows (cleaned beforehand with the import's `clean_row`, outside the timing), is the
one-record-at-a-time path of staff edits: for each row the staff form's duplicate check
(`registry.duplicates.likely_duplicates`), then `Person(...).full_clean()` and `save()`,
`cases.services.detention_open(...)`, its charges and its source, all in one transaction that is
rolled back at the end (it writes nothing). The speed-up is (a + b) rows/s over the baseline's.

`--profile N` runs the commit phase (b) under cProfile and prints the N most expensive entries
by cumulative time (the profiled phase's own figures are then inflated by the profiler).
"""

from __future__ import annotations

import contextlib
import cProfile
import csv
import dataclasses
import datetime
import io
import itertools
import os
import pstats
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import translation

from bench.measure import Run, Target, machine, measured, reset_peak_rss, verdict
from bench.names import NamePools, plain, synthetic_name
from bench.synthetic import DEFAULT_SEED, arrest_date
from cases.models import Charge, Detention, DetentionCharge, LegalStage, Source, SourceKind
from cases.services import detention_open
from facilities.models import Facility
from imports import services
from imports.cleaning import CleanRow, Lookups, clean_row
from imports.columns import COLUMNS
from imports.models import ImportJob, ImportState
from lib.national_id import national_id_hash
from lib.vocabulary import Agency, DatePrecision, VenezuelanState, normalise_to_precision
from registry.duplicates import likely_duplicates
from registry.models import Category, Person, RecordState, Sex

TARGET_RATE = Target(">=", 2_000, " rows/s", digits=0)
TARGET_PEAK_RSS = Target("<", 500, " MB", digits=0)
TEST_DATABASE_PREFIX = "bench_import_"
LAST_ARREST = datetime.date(2025, 12, 31)  # before any "today" the validator compares with

NameKey = tuple[str, str, str, datetime.date]


@dataclasses.dataclass(frozen=True)
class Phase:
    label: str
    rows: int
    run: Run

    @property
    def rate(self) -> float:
        return self.rows / self.run.seconds if self.run.seconds else float("inf")


def measure(label: str, rows: int, call: Callable[[], Any]) -> tuple[Phase, Any]:
    """Run `call` once: its wall time and the peak RSS while it ran."""
    run, result = measured(call)
    return Phase(label, rows, run), result


# ---------------------------------------------------------------------------------------------
# The file.


def name_key(given: str, first: str, second: str, arrested_on: datetime.date) -> NameKey:
    """What `existing_person` matches a row on without a cédula (here also accent-blind, so
    that a looser matcher later still finds no match)."""
    return (plain(given), plain(first), plain(second), arrested_on)


def _spanish_labels(choices: Any, exclude: tuple[str, ...] = ()) -> list[str]:
    with translation.override("es"):
        return [str(label) for value, label in choices.choices if value not in exclude]


@dataclasses.dataclass
class Reference:
    """What the rows are drawn from, read from the benchmark database."""

    facilities: list[tuple[str, list[str]]]  # name, aliases
    charges: list[tuple[str, str]]  # Spanish and English names
    taken_names: set[NameKey]  # names + arrest dates of the people in the registry
    taken_hashes: set[str]  # cédula hashes in the registry

    @classmethod
    def load(cls) -> Reference:
        facilities = [
            (name, list(aliases))
            for name, aliases in Facility.objects.order_by("pk").values_list("name", "aliases")
        ]
        charges = [
            (name_es or name, name_en or name_es or name)
            for name, name_es, name_en in Charge.objects.order_by("pk").values_list(
                "name", "name_es", "name_en"
            )
        ]
        if not facilities or not charges:
            raise CommandError("No facilities or charges: load_reference_data did not run.")
        taken_names = {
            name_key(*values)
            for values in Detention.objects.values_list(
                "person__given_names",
                "person__first_surname",
                "person__second_surname",
                "arrested_on",
            ).iterator(chunk_size=10_000)
        }
        taken_hashes = set(
            Person.objects.exclude(national_id_hash="").values_list("national_id_hash", flat=True)
        )
        return cls(facilities, charges, taken_names, taken_hashes)


@dataclasses.dataclass
class GeneratedRow:
    values: dict[str, str]  # field -> cell text
    charges: int
    has_source: bool


ARREST_PLACES = (
    "Plaza Altamira, Caracas", "Autopista Francisco Fajardo", "Av. Bolívar, Valencia",
    "Redoma de Petare", "Sede del CNE, Barquisimeto", "Plaza O'Leary", "Su domicilio en Catia",
    "Terminal de La Bandera", "Aeropuerto de Maiquetía", "Alcabala de Tazón",
    "Av. Las Américas, Mérida", "Universidad del Zulia, Maracaibo", "Puerto Ordaz, Alta Vista",
    "Calle Sucre, San Cristóbal", "Frente a la Gobernación de Táchira",
)  # fmt: skip
NOTES = (
    "Detenido durante la protesta; la familia denunció su desaparición durante 48 horas.",
    "Según su abogada, no se le ha permitido la visita de familiares.",
    "Trasladado sin aviso; informe de ONG pendiente de verificación.",
    "La madre confirmó la detención por teléfono. Requiere atención médica (hipertensión).",
    "Testigo electoral en el centro de votación; detenido al día siguiente de la elección.",
    "Caso reportado por el sindicato; datos de la cédula confirmados con la familia.",
    "Periodista de un medio regional, detenido mientras cubría una manifestación.",
    "Presentado ante tribunal de control sin defensa de confianza.",
)
NEWS_SITES = (
    "https://noticias.example.org/venezuela",
    "https://www.example.com/ddhh",
    "https://ong.example.net/informes",
    "https://prensa-regional.example.org/sucesos",
)
CATEGORY_VALUES = (
    Category.PROTESTER,
    Category.STUDENT,
    Category.PARTY_MEMBER,
    Category.JOURNALIST,
    Category.MILITARY,
    Category.ELECTION_WITNESS,
    Category.UNION_LEADER,
    Category.HUMAN_RIGHTS_DEFENDER,
)


class RowMaker:
    """Valid import rows, deterministic for a seed, none matching the registry or each other."""

    def __init__(self, seed: int, reference: Reference) -> None:
        # String seeds: never the integer stream generate_people drew the registry's names from.
        self.names_rng = random.Random(f"bench_import names {seed}")
        self.rng = random.Random(f"bench_import rows {seed}")
        self.pools = NamePools()
        self.reference = reference
        self.taken_names = set(reference.taken_names)
        self.names_in_file: set[tuple[str, str, str]] = set()
        self.taken_digits: set[str] = set()
        self.states = _spanish_labels(VenezuelanState)
        self.agencies = _spanish_labels(Agency, exclude=(Agency.PENITENTIARY_MINISTRY,))
        self.stages = _spanish_labels(LegalStage)
        self.source_kinds = _spanish_labels(SourceKind)
        with translation.override("es"):
            self.categories = [str(Category(value).label) for value in CATEGORY_VALUES]

    def rows(self) -> Iterator[GeneratedRow]:
        while True:
            yield self.row()

    def _arrest(self) -> tuple[str, str, datetime.date]:
        """(cell, precision cell, the date as the registry stores it)."""
        rng = self.rng
        day = arrest_date(rng, latest=LAST_ARREST)
        roll = rng.random()
        if roll < 0.40:
            cell, precision = day.strftime("%d/%m/%Y"), DatePrecision.DAY
        elif roll < 0.75:
            cell, precision = day.isoformat(), DatePrecision.DAY
        elif roll < 0.90:
            cell, precision = day.strftime("%m/%Y"), DatePrecision.MONTH
        else:
            cell, precision = str(day.year), DatePrecision.YEAR
        explicit = ""
        if precision != DatePrecision.DAY and rng.random() < 0.3:
            explicit = "mes" if precision == DatePrecision.MONTH else "año"
        return cell, explicit, normalise_to_precision(day, precision)

    def _cedula(self) -> str:
        rng = self.rng
        foreign = rng.random() < 0.05
        while True:
            number = (
                rng.randint(80_000_000, 89_999_999)
                if foreign
                else rng.randint(1_000_000, 32_999_999)
            )
            digits = str(number)
            if digits in self.taken_digits:
                continue
            if self.reference.taken_hashes and national_id_hash(digits) in (
                self.reference.taken_hashes
            ):
                continue
            self.taken_digits.add(digits)
            break
        dotted = f"{number:,}".replace(",", ".")
        letter = "E" if foreign else "V"
        forms = (f"{letter}-{dotted}", digits, f"{letter}{digits}", f"{letter.lower()}-{digits}")
        return rng.choices(forms, weights=(40, 35, 15, 10))[0]

    def _birth_date(self, arrested_on: datetime.date) -> str:
        rng = self.rng
        roll = rng.random()
        if roll >= 0.65:
            return ""
        age = rng.randint(19, 70)
        born = arrested_on - datetime.timedelta(days=366 * age + rng.randint(0, 364))
        if roll < 0.45:
            return born.strftime("%d/%m/%Y")
        if roll < 0.55:
            return born.isoformat()
        return str(born.year)

    def _facility(self) -> str:
        rng = self.rng
        name, aliases = rng.choice(self.reference.facilities)
        roll = rng.random()
        if roll < 0.15 and aliases:
            return rng.choice(aliases)
        if roll < 0.25:
            return plain(name)  # typed without accents or capitals
        return name

    def row(self) -> GeneratedRow:
        rng = self.rng
        while True:
            name = synthetic_name(self.pools, self.names_rng)
            arrest_cell, precision_cell, arrested_on = self._arrest()
            key = name_key(name.given_names, name.first_surname, name.second_surname, arrested_on)
            if key not in self.taken_names and key[:3] not in self.names_in_file:
                self.taken_names.add(key)
                self.names_in_file.add(key[:3])
                break
        if name.sex == Sex.FEMALE:
            sex = rng.choice(("F", "F", "femenino", "Mujer"))
        elif name.sex == Sex.MALE:
            sex = rng.choice(("M", "M", "masculino", "Hombre"))
        else:
            sex = rng.choice(("", "desconocido"))
        charges = rng.sample(self.reference.charges, rng.choices((0, 1, 2), (40, 40, 20))[0])
        charge_cells = [es if rng.random() < 0.9 else en for es, en in charges]
        has_source = rng.random() < 0.4
        source_url = source_kind = ""
        if has_source:
            site = rng.choice(NEWS_SITES)
            source_url = f"{site}/{arrested_on.year}/{rng.randrange(10**6):06d}-detencion"
            source_kind = rng.choice(self.source_kinds)
        values = {
            "given_names": name.given_names,
            "first_surname": name.first_surname,
            "second_surname": name.second_surname,
            "national_id": self._cedula() if rng.random() < 0.7 else "",
            "sex": sex,
            "birth_date": self._birth_date(arrested_on),
            "nationalities": rng.choices(("VE", "", "VE, CO", "VE;ES"), (80, 15, 3, 2))[0],
            "categories": rng.choice(self.categories) if rng.random() < 0.5 else "",
            "arrested_on": arrest_cell,
            "arrested_on_precision": precision_cell,
            "arrest_place": rng.choice(ARREST_PLACES) if rng.random() < 0.5 else "",
            "arrest_state": rng.choice(self.states) if rng.random() < 0.85 else "",
            "arresting_agency": rng.choice(self.agencies) if rng.random() < 0.9 else "",
            "facility": self._facility() if rng.random() < 0.8 else "",
            "charges": "; ".join(charge_cells),
            "legal_stage": rng.choice(self.stages) if rng.random() < 0.5 else "",
            "source_url": source_url,
            "source_kind": source_kind,
            "notes": rng.choice(NOTES) if rng.random() < 0.25 else "",
        }
        return GeneratedRow(values, len(charges), has_source)


def csv_file(rows: list[GeneratedRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.es for column in COLUMNS])
    for row in rows:
        writer.writerow([row.values.get(column.field, "") for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The baseline: one record at a time, as staff enter them.


def cleaned_rows(rows: list[GeneratedRow]) -> list[CleanRow]:
    lookups = Lookups()
    cleaned = []
    for number, row in enumerate(rows, start=2):
        clean, errors = clean_row(number, row.values, lookups)
        if errors or clean is None:
            messages = "; ".join(f"{e.field}: {e.message}" for e in errors)
            raise CommandError(f"Baseline row {number} is not valid: {messages} ({row.values})")
        cleaned.append(clean)
    return cleaned


def one_at_a_time(rows: list[CleanRow], user: Any) -> int:
    """The staff path for every row, in one transaction rolled back at the end."""
    with transaction.atomic():
        for row in rows:
            likely_duplicates(
                given_names=row.person["given_names"],
                first_surname=row.person["first_surname"],
                second_surname=row.person["second_surname"],
                national_id=row.person.get("national_id"),
                birth_date=row.person.get("birth_date"),
            )
            person = Person(
                **row.person, record_state=RecordState.DRAFT, created_by=user, last_edited_by=user
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
        transaction.set_rollback(True)
    return len(rows)


# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FileFacts:
    rows: int
    charges: int
    sources: int


@dataclasses.dataclass(frozen=True)
class Totals:
    people: int
    detentions: int
    charges: int
    sources: int

    @classmethod
    def now(cls) -> Totals:
        return cls(
            Person.objects.count(),
            Detention.objects.count(),
            DetentionCharge.objects.count(),
            Source.objects.count(),
        )


class Command(BaseCommand):
    help = "Time the bulk import in a throwaway database, beside one record at a time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=50_000, help="Rows in the file.")
        parser.add_argument(
            "--people", type=int, default=20_000, help="Synthetic people already in the registry."
        )
        parser.add_argument(
            "--baseline-rows", type=int, default=1_000, help="Rows entered one at a time."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of the file's rows.")
        parser.add_argument(
            "--profile",
            type=int,
            default=0,
            metavar="N",
            help="Profile the commit phase and print its N top entries by cumulative time.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rows"] < 1 or options["people"] < 0 or options["baseline_rows"] < 0:
            raise CommandError("--rows must be >= 1, --people and --baseline-rows >= 0.")
        test_name = f"{TEST_DATABASE_PREFIX}{os.getpid()}"
        original_name = connection.settings_dict["NAME"]
        if original_name == test_name:
            raise CommandError(f"The configured database is already {test_name}.")
        test_settings = connection.settings_dict.setdefault("TEST", {})
        original_test_name = test_settings.get("NAME")
        # A name of our own: autoclobber must never drop the test database of a pytest run.
        test_settings["NAME"] = test_name
        started = time.perf_counter()
        try:
            connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False, keepdb=False
            )
            self.stdout.write(
                f"Throwaway database {test_name} created and migrated in "
                f"{time.perf_counter() - started:.1f} s."
            )
            with (
                tempfile.TemporaryDirectory(prefix="bench_import_media_") as media,
                override_settings(MEDIA_ROOT=media),
            ):
                self.run(options)
        finally:
            # Drop only the database this command created, never the configured one.
            if connection.settings_dict["NAME"] == test_name:
                connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=False)
                self.stdout.write(f"Throwaway database {test_name} dropped.")
            else:
                # create_test_db failed before switching over: drop what it may have left.
                with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                    cursor.execute(
                        f"DROP DATABASE IF EXISTS {connection.ops.quote_name(test_name)}"
                    )
            test_settings["NAME"] = original_test_name

    # -- set-up ------------------------------------------------------------------------------

    def _setup(self, people: int) -> None:
        quiet = io.StringIO()
        started = time.perf_counter()
        call_command("load_reference_data", stdout=quiet)
        loaded = time.perf_counter()
        if people:
            call_command("generate_people", count=people, seed=DEFAULT_SEED, stdout=quiet)
        self.stdout.write(
            f"Reference data in {loaded - started:.1f} s; {people:,} synthetic people "
            f"(generate_people seed {DEFAULT_SEED}) in {time.perf_counter() - loaded:.1f} s."
        )

    def _header(self, options: dict[str, Any], data: bytes, rows: list[GeneratedRow]) -> None:
        totals = Totals.now()
        write = self.stdout.write
        write("")
        write(f"Bulk import benchmark: {machine()}")
        write(
            f"Registry before the import: {totals.people:,} people, {totals.detentions:,} "
            f"detentions, {Facility.objects.count()} facilities, {Charge.objects.count()} "
            f"charges in the catalogue"
        )
        values = [row.values for row in rows]
        share = {
            field: sum(1 for v in values if v[field]) / len(values)
            for field in ("national_id", "birth_date", "facility", "source_url", "notes")
        }
        write(
            f"File: {len(rows):,} rows, {len(data) / 1e6:.1f} MB CSV (seed {options['seed']}); "
            f"cédula {share['national_id']:.0%}, birth date {share['birth_date']:.0%}, facility "
            f"{share['facility']:.0%}, source {share['source_url']:.0%}, notes "
            f"{share['notes']:.0%}; {sum(r.charges for r in rows):,} charges"
        )

    # -- the run -----------------------------------------------------------------------------

    def run(self, options: dict[str, Any]) -> None:
        write = self.stdout.write
        self._setup(options["people"])
        user = get_user_model().objects.create_user(username="bench-import")

        started = time.perf_counter()
        generated = RowMaker(options["seed"], Reference.load()).rows()
        rows = list(itertools.islice(generated, options["rows"]))
        baseline_rows = cleaned_rows(list(itertools.islice(generated, options["baseline_rows"])))
        data = csv_file(rows)
        write(
            f"{len(rows) + len(baseline_rows):,} rows generated in "
            f"{time.perf_counter() - started:.1f} s."
        )
        self._header(options, data, rows)
        expected = FileFacts(
            len(rows), sum(r.charges for r in rows), sum(r.has_source for r in rows)
        )
        # The generated rows (about 2 kB each) and the generator's sets of names are not the
        # import's memory: free them before any phase measures its peak.
        del rows, generated
        limit = settings.IMPORT_MAX_BYTES
        if len(data) > limit:
            write(
                f"NOTE: the file ({len(data) / 1e6:.1f} MB) is larger than IMPORT_MAX_BYTES "
                f"({limit / 1e6:.1f} MB), which would refuse it; raised for this run."
            )
        with override_settings(IMPORT_MAX_BYTES=max(limit, len(data) + 1)):
            phases, baseline = self._phases(options, data, expected, baseline_rows, user)
        self._report(phases, baseline)

    def _phases(
        self,
        options: dict[str, Any],
        data: bytes,
        expected_file: FileFacts,
        baseline_rows: list[CleanRow],
        user: Any,
    ) -> tuple[list[Phase], Phase | None]:
        write = self.stdout.write
        count = expected_file.rows
        baseline = None
        if baseline_rows:
            before = Person.objects.count()
            baseline, _ = measure(
                "baseline: one at a time (staff path)",
                len(baseline_rows),
                lambda: one_at_a_time(baseline_rows, user),
            )
            if Person.objects.count() != before:
                raise CommandError("The baseline was not rolled back.")

        def new_job(name: str) -> ImportJob:
            return ImportJob.objects.create(
                file=ContentFile(data, name=name), original_name=name, created_by=user
            )

        before = Totals.now()
        job = new_job("bench_import.csv")
        validate, job = measure(
            "(a) validate (dry run)", count, lambda: services.import_validate(job=job)
        )
        self._check_validated(job, new=count)
        write(f"validate counts: {self._counts(job)}")

        profiler = cProfile.Profile() if options["profile"] else None

        def commit_call() -> ImportJob:
            if profiler is not None:
                return profiler.runcall(services.import_commit, job=job, by=user)
            return services.import_commit(job=job, by=user)

        commit, job = measure("(b) commit", count, commit_call)
        after = Totals.now()
        expected = Totals(
            before.people + count,
            before.detentions + count,
            before.charges + expected_file.charges,
            before.sources + expected_file.sources,
        )
        if job.state != ImportState.COMMITTED or after != expected:
            raise CommandError(
                f"Commit incomplete: state {job.state}, errors {job.errors[:5]}; "
                f"registry {after}, expected {expected}."
            )
        write(f"commit counts: {self._counts(job)}; written: {self._delta(before, after)}")

        again = new_job("bench_import_again.csv")
        revalidate, again = measure(
            "(c) validate again (idempotent)", count, lambda: services.import_validate(job=again)
        )
        self._check_validated(again, new=0)
        recommit, again = measure(
            "(c) commit again (idempotent)",
            count,
            lambda: services.import_commit(job=again, by=user),
        )
        final = Totals.now()
        created = again.counts.get("created")
        if again.state != ImportState.COMMITTED or final != after or created not in (0, None):
            raise CommandError(
                f"The second import of the same file changed the registry: state {again.state}, "
                f"counts {again.counts}, registry {final} (was {after})."
            )
        write(f"again: {self._counts(again)}; registry unchanged ({final.people:,} people)")
        if profiler is not None:
            self._print_profile(profiler, options["profile"])
        return [validate, commit, revalidate, recommit], baseline

    def _check_validated(self, job: ImportJob, *, new: int) -> None:
        if job.state != ImportState.VALIDATED or job.errors:
            shown = "; ".join(
                f"row {e.get('row')} {e.get('column')}: {e.get('message')}" for e in job.errors[:10]
            )
            raise CommandError(
                f"Validation failed: state {job.state}, {len(job.errors)} errors: {shown}"
            )
        if job.counts.get("new") != new:
            raise CommandError(f"Validation counted {job.counts.get('new')} new rows, not {new}.")

    @staticmethod
    def _counts(job: ImportJob) -> str:
        return ", ".join(
            f"{key} {value:,}" for key, value in job.counts.items() if isinstance(value, int)
        )

    @staticmethod
    def _delta(before: Totals, after: Totals) -> str:
        return ", ".join(
            f"{field.name} +{getattr(after, field.name) - getattr(before, field.name):,}"
            for field in dataclasses.fields(Totals)
        )

    def _print_profile(self, profiler: cProfile.Profile, top: int) -> None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(top)
        text = buffer.getvalue().replace(f"{settings.BASE_DIR}/", "")
        self.stdout.write("")
        self.stdout.write(f"cProfile of (b) commit, top {top} by cumulative time:")
        self.stdout.write(text.strip("\n"))

    # -- the report --------------------------------------------------------------------------

    def _report(self, phases: list[Phase], baseline: Phase | None) -> None:
        write = self.stdout.write
        validate, commit = phases[0], phases[1]
        combined = Phase(
            "(a+b) validate + commit",
            validate.rows,
            Run(
                validate.run.seconds + commit.run.seconds,
                validate.run.rss_before_mb,
                max(validate.run.peak_rss_mb, commit.run.peak_rss_mb),
            ),
        )
        write("")
        write(
            f"{'phase':<38}{'rows':>8}{'s':>9}{'rows/s':>9}  {TARGET_RATE!s:<16}"
            f"{'RSS before':>11}{'peak RSS':>10}  {TARGET_PEAK_RSS}"
        )

        def line(phase: Phase, *, targets: bool = True) -> None:
            run = phase.run
            rate_verdict = verdict(TARGET_RATE.met(phase.rate)) if targets else "-"
            rss_verdict = verdict(TARGET_PEAK_RSS.met(run.peak_rss_mb)) if targets else "-"
            write(
                f"{phase.label:<38}{phase.rows:>8,}{run.seconds:>9.1f}{phase.rate:>9,.0f}  "
                f"{rate_verdict:<16}{run.rss_before_mb:>8.0f} MB{run.peak_rss_mb:>7.0f} MB  "
                f"{rss_verdict}"
            )

        for phase in phases:
            line(phase)
        write("-" * 102)
        line(combined)
        if baseline is not None:
            line(baseline, targets=False)
        write("")
        compared = ""
        if baseline is not None:
            write(
                f"baseline, one record at a time (likely_duplicates + full_clean/save + "
                f"detention_open + charges + source, rolled back): {baseline.rate:,.0f} rows/s "
                f"on {baseline.rows:,} rows"
            )
            compared = (
                f"baseline one record at a time {baseline.rate:,.0f} rows/s, "
                f"{combined.rate / baseline.rate:.1f}x as fast"
            )
        write(
            TARGET_RATE.line(
                f"(issue #6) {combined.rows:,} rows validated and committed",
                combined.rate,
                baseline=compared,
            )
        )
        write(TARGET_PEAK_RSS.line("peak RSS of validate + commit", combined.run.peak_rss_mb))
        if not reset_peak_rss():
            write("NOTE: /proc/self/clear_refs is not writable: each peak is since the start.")
