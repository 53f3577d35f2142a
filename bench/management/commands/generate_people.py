"""Generate synthetic people, detentions, custody stays and releases for benchmarks (DESIGN §7).

    manage.py generate_people --count 1000000 [--seed 7] [--batch 50000]
    manage.py generate_people --clear-synthetic            # remove them again
    manage.py generate_people --clear-synthetic --count N  # replace them

Rows are written with PostgreSQL COPY (lib.bulk), one transaction per batch, so a million
people take a few minutes. Names come from bench.names (Venezuelan in shape, with the long tail
of surnames that makes search recall meaningful), arrest dates from the waves of
bench.synthetic.

Synthetic people carry two marks, and `--clear-synthetic` removes only rows that carry both:

* their public id starts with `syn` (s, y and n are all in the public id alphabet) followed by
  the person's number scrambled by a bijection over seven characters of that alphabet, so ids
  are unique and look random, yet are the same for a given seed;
* their public summary is exactly SYNTHETIC_SUMMARY.

Everything is deterministic for a given seed (a single random.Random, dates counted from fixed
bounds, the long tail of surnames from its own fixed seed); only database ids and creation
timestamps differ between runs.

The generated columns `search_name` and `search_vector` are computed by PostgreSQL. The user
triggers of the loaded tables (the one that keeps the name vocabulary, NameToken, in step, and
the audit trail's, if migrated) are disabled inside each batch's transaction and enabled again
before it commits, so other sessions never see them off; the vocabulary is rebuilt in one
statement at the end. Synthetic rows are not case data: neither their creation nor their
removal is written to the audit trail.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from bench.names import NamePools, synthetic_name
from bench.synthetic import DEFAULT_SEED, LAST_DATE, arrest_date, date_between
from cases import projection
from cases.models import ConditionKind, Detention, EndReason, LegalStage, Release, ReleaseKind
from cases.projection import PROJECTED_TABLES
from cases.services import adopt_published_without_version
from cases.status import people_insert_staged, people_staging_create
from facilities.models import Facility, FacilityKind
from lib.approved import approved_table
from lib.bulk import copy_line, copy_lines, reserve_ids
from lib.vocabulary import Agency, DatePrecision, VenezuelanState
from registry.models import (
    PUBLIC_ID_ALPHABET,
    PUBLIC_ID_LENGTH,
    Category,
    ConsentBasis,
    Person,
    RecordState,
)

SYNTHETIC_PREFIX = "syn"
SYNTHETIC_SUMMARY = "Persona sintética generada para pruebas de rendimiento."
SYNTHETIC_SUMMARY_EN = "Synthetic person generated for performance tests."
IDS_PER_PERSON = 2  # detention and release ids reserved per person of a batch

# ---------------------------------------------------------------------------------------------
# Public ids: SYNTHETIC_PREFIX + a bijective scramble of the person's number.

_SCRAMBLED_DIGITS = PUBLIC_ID_LENGTH - len(SYNTHETIC_PREFIX)
_SCRAMBLE_MODULUS = len(PUBLIC_ID_ALPHABET) ** _SCRAMBLED_DIGITS
_SCRAMBLE_FACTOR = 9_876_543_211  # not a multiple of 31: multiplying is a bijection mod 31**7
_SCRAMBLE_OFFSET = 1_234_567_890


def synthetic_public_id(number: int) -> str:
    value = (number * _SCRAMBLE_FACTOR + _SCRAMBLE_OFFSET) % _SCRAMBLE_MODULUS
    digits = []
    base = len(PUBLIC_ID_ALPHABET)
    for _ in range(_SCRAMBLED_DIGITS):
        value, digit = divmod(value, base)
        digits.append(PUBLIC_ID_ALPHABET[digit])
    return SYNTHETIC_PREFIX + "".join(reversed(digits))


# ---------------------------------------------------------------------------------------------
# Detention histories.

ARREST_FACILITY_KINDS = (FacilityKind.INTELLIGENCE_HQ, FacilityKind.POLICE, FacilityKind.MILITARY)
AGENCIES = tuple(value for value in Agency.values if value != Agency.PENITENTIARY_MINISTRY)
STATES = tuple(VenezuelanState.values)
LEGAL_STAGES = tuple(LegalStage.values)
RELEASE_KINDS = (
    ReleaseKind.PRECAUTIONARY_MEASURES,
    ReleaseKind.PRECAUTIONARY_MEASURES,
    ReleaseKind.UNCONDITIONAL,
    ReleaseKind.AMNESTY,
    ReleaseKind.ACQUITTAL,
    ReleaseKind.SENTENCE_SERVED,
    ReleaseKind.HUMANITARIAN,
)
CATEGORY_WEIGHTS: tuple[tuple[str, float], ...] = (
    (Category.PROTESTER, 0.40),
    (Category.STUDENT, 0.10),
    (Category.MILITARY, 0.08),
    (Category.PARTY_MEMBER, 0.10),
    (Category.POLITICIAN, 0.02),
    (Category.JOURNALIST, 0.02),
    (Category.HUMAN_RIGHTS_DEFENDER, 0.02),
    (Category.UNION_LEADER, 0.02),
    (Category.ELECTION_WITNESS, 0.04),
    (Category.RELATIVE_OF_TARGET, 0.02),
)


@dataclasses.dataclass
class Stay:
    facility_id: int | None
    started_on: datetime.date
    ended_on: datetime.date | None


@dataclasses.dataclass
class ReleaseRow:
    released_on: datetime.date
    kind: str
    verified: bool
    conditions: list[tuple[str, int | None, datetime.date]]  # kind, interval, starts_on


@dataclasses.dataclass
class Episode:
    arrested_on: datetime.date
    ended_on: datetime.date | None
    end_reason: str
    stays: list[Stay]
    release: ReleaseRow | None


class HistoryMaker:
    def __init__(self, arrest_facilities: list[int], all_facilities: list[int]) -> None:
        self.arrest_facilities = arrest_facilities or all_facilities
        self.all_facilities = all_facilities

    def _stays(
        self, rng: random.Random, start: datetime.date, end: datetime.date | None
    ) -> list[Stay]:
        horizon = end or LAST_DATE
        span = (horizon - start).days
        cuts: list[datetime.date] = []
        transfers = rng.choice((0, 0, 1, 1, 2)) if span >= 3 else 0
        if transfers:
            days = sorted(rng.sample(range(1, span), min(transfers, span - 1)))
            cuts = [start + datetime.timedelta(days=day) for day in days]
        bounds = [start, *cuts]
        stays = []
        for index, started in enumerate(bounds):
            ended = bounds[index + 1] if index + 1 < len(bounds) else end
            pool = self.arrest_facilities if index == 0 else self.all_facilities
            stays.append(Stay(rng.choice(pool), started, ended))
        return stays

    def episodes(self, rng: random.Random) -> list[Episode]:
        episodes: list[Episode] = []
        arrested = arrest_date(rng)
        while True:
            days = max(1, int(rng.lognormvariate(4.6, 1.1)))  # median about 100 days
            ends = arrested + datetime.timedelta(days=days)
            if rng.random() < 0.003:  # died in custody
                ended = min(ends, LAST_DATE)
                episodes.append(Episode(arrested, ended, EndReason.DIED_IN_CUSTODY, [], None))
                episodes[-1].stays = self._stays(rng, arrested, ended)
                return episodes
            if ends > LAST_DATE or rng.random() < 0.04:
                stays = self._stays(rng, arrested, None)
                if rng.random() < 0.06:
                    stays[-1].facility_id = None  # whereabouts unknown (forced disappearance)
                claim = None
                if rng.random() < 0.02:  # an announced release nobody could verify
                    claim = ReleaseRow(date_between(rng, arrested, LAST_DATE), "other", False, [])
                episodes.append(Episode(arrested, None, "", stays, claim))
                return episodes
            release = ReleaseRow(ends, rng.choice(RELEASE_KINDS), True, [])
            episodes.append(Episode(arrested, ends, EndReason.RELEASED, [], release))
            episodes[-1].stays = self._stays(rng, arrested, ends)
            if rng.random() < 0.12 and ends + datetime.timedelta(days=60) < LAST_DATE:
                arrested = date_between(rng, ends + datetime.timedelta(days=30), LAST_DATE)
                continue
            # Conditions of the latest release decide between released and released under
            # conditions; they are open-ended, so the status does not drift with today's date.
            roll = rng.random()
            if roll < 0.05:
                release.conditions.append((ConditionKind.HOUSE_ARREST, None, ends))
            elif roll < 0.40:
                release.conditions.append((ConditionKind.PERIODIC_PRESENTATION, 30, ends))
                if rng.random() < 0.5:
                    release.conditions.append((ConditionKind.TRAVEL_BAN, None, ends))
            return episodes


# ---------------------------------------------------------------------------------------------
# The columns of each table, in the order of the values of a line (lib.bulk.copy_line).

PERSON_COLUMNS = (
    "id", "public_id", "slug", "given_names", "first_surname", "second_surname", "aliases",
    "display_name", "national_id_hash", "sex", "birth_date", "birth_year", "reported_as_minor",
    "nationalities", "categories", "public_summary", "public_summary_es", "public_summary_en",
    "record_state", "consent_basis", "consent_recorded_on", "verification_level",
    "last_verified_at", "current_status", "current_facility_id", "detained_since",
    "detained_since_precision", "minor_at_detention", "created_at", "updated_at", "version",
)  # fmt: skip
DETENTION_COLUMNS = (
    "id", "person_id", "arrested_on", "arrested_on_precision", "arrest_place", "arrest_state",
    "arresting_agency", "circumstances", "legal_stage", "court", "sentence", "ended_on",
    "ended_on_precision", "end_reason",
)  # fmt: skip
STAY_COLUMNS = (
    "detention_id", "facility_id", "started_on", "started_on_precision", "ended_on",
    "ended_on_precision",
)  # fmt: skip
RELEASE_COLUMNS = (
    "id", "detention_id", "released_on", "released_on_precision", "kind", "verified",
    "verified_at", "public_note",
)  # fmt: skip
LOADED_TABLES = (
    "registry_person",
    "cases_detention",
    "cases_custodystay",
    "cases_release",
    "cases_releasecondition",
)
CONDITION_COLUMNS = (
    "release_id", "kind", "interval_days", "court", "starts_on", "ends_on", "details",
)  # fmt: skip

DAY = DatePrecision.DAY


@dataclasses.dataclass
class Batch:
    people: list[str] = dataclasses.field(default_factory=list)
    detentions: list[str] = dataclasses.field(default_factory=list)
    stays: list[str] = dataclasses.field(default_factory=list)
    releases: list[str] = dataclasses.field(default_factory=list)
    conditions: list[str] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {field.name: len(getattr(self, field.name)) for field in dataclasses.fields(self)}


class IdSource:
    """Hands out the detention and release ids reserved for a batch, in order."""

    def __init__(self, detentions: list[int], releases: list[int]) -> None:
        self._detentions = iter(detentions)
        self._releases = iter(releases)

    def detention(self) -> int:
        return self._take(self._detentions)

    def release(self) -> int:
        return self._take(self._releases)

    @staticmethod
    def _take(ids: Iterator[int]) -> int:
        value = next(ids, None)
        if value is None:
            raise CommandError("Not enough ids reserved for the batch: raise IDS_PER_PERSON.")
        return value


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        facilities: list[tuple[int, str]],
        now: datetime.datetime,
    ) -> None:
        self.rng = random.Random(seed)
        self.pools = NamePools()
        arrest = [pk for pk, kind in facilities if kind in ARREST_FACILITY_KINDS]
        self.history = HistoryMaker(arrest, [pk for pk, _kind in facilities])
        self.now = now.isoformat()
        self.category_weights = list(CATEGORY_WEIGHTS)

    def _categories(self) -> list[str]:
        rng = self.rng
        return [value for value, weight in self.category_weights if rng.random() < weight][:2]

    def _birth(self, first_arrest: datetime.date) -> tuple[datetime.date | None, int | None]:
        """An adult at the first arrest (19 to 75 years old), birth date or only year or none."""
        rng = self.rng
        age = rng.randint(19, 75)
        roll = rng.random()
        if roll < 0.6:
            latest = first_arrest - datetime.timedelta(days=366 * age)  # at least `age` years
            born = latest - datetime.timedelta(days=rng.randint(0, 364))
            return born, born.year
        if roll < 0.8:
            return None, first_arrest.year - age - 1
        return None, None

    def person(self, batch: Batch, number: int, person_id: int, ids: IdSource) -> None:
        """Add a person and their history to `batch`, with ids for detentions and releases."""
        rng = self.rng
        name = synthetic_name(self.pools, rng)
        episodes = self.history.episodes(rng)
        born, birth_year = self._birth(episodes[0].arrested_on)
        published = rng.random() < 0.85
        nationalities = ["VE"] if rng.random() < 0.97 else ["VE", rng.choice(("CO", "ES", "IT"))]
        shown_name = name.display_name or name.full_name
        if published:
            consent_on = date_between(rng, episodes[0].arrested_on, LAST_DATE)
            state = (RecordState.PUBLISHED, ConsentBasis.FAMILY, consent_on, "verified", self.now)
        else:
            state = (RecordState.DRAFT, ConsentBasis.NONE, None, "reported", None)
        batch.people.append(
            copy_line(
                (
                    person_id,
                    synthetic_public_id(number),
                    slugify(shown_name)[:200] or "persona",
                    name.given_names,
                    name.first_surname,
                    name.second_surname,
                    [],
                    name.display_name,
                    "",
                    name.sex,
                    born,
                    birth_year,
                    False,
                    nationalities,
                    self._categories(),
                    SYNTHETIC_SUMMARY,
                    SYNTHETIC_SUMMARY,
                    SYNTHETIC_SUMMARY_EN,
                    *state,
                    # Status, current facility, detained since (+ precision), minor at
                    # detention: derived when the batch is in (Command.generate).
                    "",
                    None,
                    None,
                    DAY,
                    False,
                    self.now,
                    self.now,
                    1,  # version
                )
            )
        )
        for episode in episodes:
            detention_id = ids.detention()
            batch.detentions.append(
                copy_line(
                    (
                        detention_id,
                        person_id,
                        episode.arrested_on,
                        DAY,
                        "",
                        rng.choice(STATES),
                        rng.choice(AGENCIES),
                        "",
                        rng.choice(LEGAL_STAGES),
                        "",
                        "",
                        episode.ended_on,
                        DAY,
                        episode.end_reason,
                    )
                )
            )
            for stay in episode.stays:
                batch.stays.append(
                    copy_line(
                        (detention_id, stay.facility_id, stay.started_on, DAY, stay.ended_on, DAY)
                    )
                )
            release = episode.release
            if release is None:
                continue
            release_id = ids.release()
            verified_at = self.now if release.verified else None
            batch.releases.append(
                copy_line(
                    (
                        release_id,
                        detention_id,
                        release.released_on,
                        DAY,
                        release.kind,
                        release.verified,
                        verified_at,
                        "",
                    )
                )
            )
            for kind, interval, starts_on in release.conditions:
                batch.conditions.append(
                    copy_line((release_id, kind, interval, "", starts_on, None, ""))
                )


# ---------------------------------------------------------------------------------------------


def _set_user_triggers(cursor: Any, *, enabled: bool) -> None:
    """Switch the user triggers of the loaded tables (name vocabulary, audit trail) on or off.

    Called at the start and at the end of the same transaction: ALTER TABLE is transactional,
    so other sessions never see the triggers off (their writes to these tables wait for the
    batch to commit), and a failed batch rolls the switch back with its rows. Here and not in
    lib.bulk: only a tool run by the tables' owner may do this (the application's database
    role cannot alter tables, DESIGN §8), and only for rows that are not case data.
    """
    if enabled:
        # Deferred foreign key checks are pending trigger events, which ALTER TABLE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    action = "ENABLE" if enabled else "DISABLE"
    for table in LOADED_TABLES:
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")


SYNTHETIC_PEOPLE_SQL = (
    "SELECT id FROM registry_person WHERE public_id LIKE %s AND public_summary = %s"
)

REBUILD_NAME_TOKENS_SQL = """
    INSERT INTO registry_nametoken (token)
    SELECT DISTINCT left(word, 100)
    FROM registry_person, unnest(tsvector_to_array(search_vector)) AS word
    ON CONFLICT (token) DO NOTHING
"""

PRUNE_NAME_TOKENS_SQL = """
    DELETE FROM registry_nametoken
    WHERE token NOT IN (
        SELECT left(word, 100)
        FROM registry_person, unnest(tsvector_to_array(search_vector)) AS word
    )
"""


def ids_of_synthetic_people(cursor) -> list[int]:
    cursor.execute("SELECT id FROM synthetic_people")
    return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "Create synthetic people with detention histories (fast, COPY), or remove them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=0, help="How many people to create.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--batch", type=int, default=50_000, help="People per transaction.")
        parser.add_argument(
            "--clear-synthetic",
            action="store_true",
            help="First delete every synthetic person (and their histories).",
        )
        parser.add_argument(
            "--no-vacuum",
            action="store_true",
            help="Skip VACUUM ANALYZE after clearing and after loading.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        if count < 0 or options["batch"] < 1:
            raise CommandError("--count must be >= 0 and --batch >= 1.")
        if options["clear_synthetic"]:
            self.clear()
            if not options["no_vacuum"]:
                self.vacuum()  # a clean table to load into: no dead rows, no index bloat
        elif count and self._synthetic_exists():
            raise CommandError(
                "Synthetic people exist already: add --clear-synthetic to replace them."
            )
        if count:
            self.generate(count, seed=options["seed"], batch_size=options["batch"])
            self.approve()
            if not options["no_vacuum"]:
                self.vacuum()

    def approve(self) -> None:
        """The synthetic published people get their first approved version (what the public
        surfaces read), as `rebuild_projection --adopt` gives it to records published before
        versions existed."""
        started = time.perf_counter()
        adopted = adopt_published_without_version()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Approved {adopted:,} published people (version 1) in {seconds:.1f} s: "
            f"{adopted / seconds if seconds else 0:,.0f} people/s."
        )

    def _marks(self) -> list[str]:
        return [SYNTHETIC_PREFIX + "%", SYNTHETIC_SUMMARY]

    def _synthetic_exists(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(SYNTHETIC_PEOPLE_SQL + " LIMIT 1", self._marks())
            return cursor.fetchone() is not None

    def clear(self) -> None:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Synthetic rows are not case data: their removal is not written to the audit trail.
            _set_user_triggers(cursor, enabled=False)
            cursor.execute(
                f"CREATE TEMPORARY TABLE synthetic_people ON COMMIT DROP AS {SYNTHETIC_PEOPLE_SQL}",
                self._marks(),
            )
            cursor.execute("ALTER TABLE synthetic_people ADD PRIMARY KEY (id)")
            cursor.execute(
                "CREATE TEMPORARY TABLE synthetic_detentions ON COMMIT DROP AS "
                "SELECT d.id FROM cases_detention d JOIN synthetic_people p ON p.id = d.person_id"
            )
            cursor.execute("ALTER TABLE synthetic_detentions ADD PRIMARY KEY (id)")
            # Their approved versions and approved rows (cases/projection.py) go first.
            cursor.execute(
                "DELETE FROM cases_publicversion v USING synthetic_people p "
                "WHERE v.person_id = p.id"
            )
            projection.withdraw(ids_of_synthetic_people(cursor))
            statements = [
                "DELETE FROM cases_releasecondition c USING cases_release r, synthetic_detentions "
                "d WHERE c.release_id = r.id AND r.detention_id = d.id",
                "DELETE FROM cases_release r USING synthetic_detentions d "
                "WHERE r.detention_id = d.id",
                "DELETE FROM cases_custodystay s USING synthetic_detentions d "
                "WHERE s.detention_id = d.id",
                "DELETE FROM cases_detention t USING synthetic_detentions d WHERE t.id = d.id",
                "DELETE FROM registry_person t USING synthetic_people p WHERE t.id = p.id",
            ]
            deleted = []
            for statement in statements:
                cursor.execute(statement)
                deleted.append(cursor.rowcount)
            _set_user_triggers(cursor, enabled=True)
            cursor.execute(PRUNE_NAME_TOKENS_SQL)
        self.stdout.write(
            f"Removed {deleted[-1]:,} synthetic people, {deleted[3]:,} detentions, "
            f"{deleted[2]:,} stays, {deleted[1]:,} releases, {deleted[0]:,} conditions "
            f"in {time.perf_counter() - started:.1f} s."
        )

    def _facilities(self) -> list[tuple[int, str]]:
        if not Facility.objects.exists():
            call_command("load_reference_data", stdout=self.stdout)
        facilities = list(Facility.objects.order_by("pk").values_list("pk", "kind"))
        if not facilities:
            raise CommandError("No facilities: run manage.py load_reference_data.")
        return facilities

    def generate(self, count: int, *, seed: int, batch_size: int) -> None:
        """Load `count` people in batches: while PostgreSQL ingests a batch (COPY), a worker
        thread generates the next one (generation is Python, COPY mostly waits on the server).
        """
        generator = Generator(seed=seed, facilities=self._facilities(), now=timezone.now())
        started = time.perf_counter()
        totals: dict[str, int] = dict.fromkeys(Batch().counts(), 0)

        def build(first: int, size: int, ids: tuple[list[int], list[int], list[int]]) -> Batch:
            person_ids, detention_ids, release_ids = ids
            batch = Batch()
            source = IdSource(detention_ids, release_ids)
            for offset, person_id in enumerate(person_ids):
                generator.person(batch, first + offset, person_id, source)
            return batch

        def reserve(size: int) -> tuple[list[int], list[int], list[int]]:
            # Ids come from the tables' own sequences; unused detention and release ids are
            # simply skipped (a person has 1.1 detentions on average, rarely more than 3).
            return (
                reserve_ids(Person, size),
                reserve_ids(Detention, size * IDS_PER_PERSON),
                reserve_ids(Release, size * IDS_PER_PERSON),
            )

        starts = list(range(0, count, batch_size))
        sizes = [min(batch_size, count - first) for first in starts]
        with ThreadPoolExecutor(max_workers=1) as worker:
            pending = worker.submit(build, starts[0], sizes[0], reserve(sizes[0]))
            for index, (first, size) in enumerate(zip(starts, sizes, strict=True)):
                batch_started = time.perf_counter()
                batch = pending.result()
                if index + 1 < len(starts):
                    following = (starts[index + 1], sizes[index + 1])
                    pending = worker.submit(build, *following, reserve(following[1]))
                copy_started = time.perf_counter()
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    # The name vocabulary is rebuilt once at the end; synthetic rows are not
                    # case data, so they are not written to the audit trail either.
                    _set_user_triggers(cursor, enabled=False)
                    # People go in last, with the fields the status rules' set-based SQL
                    # derives from their episodes (cases.status).
                    staging = people_staging_create()
                    copy_lines(staging, PERSON_COLUMNS, batch.people)
                    copy_lines("cases_detention", DETENTION_COLUMNS, batch.detentions)
                    copy_lines("cases_custodystay", STAY_COLUMNS, batch.stays)
                    copy_lines("cases_release", RELEASE_COLUMNS, batch.releases)
                    copy_lines("cases_releasecondition", CONDITION_COLUMNS, batch.conditions)
                    people_insert_staged(columns=PERSON_COLUMNS)
                    _set_user_triggers(cursor, enabled=True)
                done = time.perf_counter()
                for table, rows in batch.counts().items():
                    totals[table] += rows
                self.stdout.write(
                    f"{first + size:>10,} people  batch: "
                    f"{size / (done - batch_started):>7,.0f} people/s (waited for "
                    f"generation {copy_started - batch_started:4.1f} s, copy "
                    f"{done - copy_started:4.1f} s)  overall: "
                    f"{(first + size) / (done - started):,.0f} people/s"
                )
        loaded = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(REBUILD_NAME_TOKENS_SQL)
            cursor.execute("SELECT count(*) FROM registry_nametoken")
            tokens = cursor.fetchone()[0]
        finished = time.perf_counter()
        elapsed = finished - started
        total_rows = sum(totals.values())
        self.stdout.write(
            f"Created {count:,} people, {totals['detentions']:,} detentions, "
            f"{totals['stays']:,} custody stays, {totals['releases']:,} releases, "
            f"{totals['conditions']:,} release conditions ({total_rows:,} rows) in "
            f"{elapsed:.1f} s: {count / elapsed:,.0f} people/s, {total_rows / elapsed:,.0f} rows/s "
            f"(vocabulary rebuilt in {finished - loaded:.1f} s: {tokens:,} name tokens)."
        )

    def vacuum(self) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in (*LOADED_TABLES, "registry_nametoken", "cases_publicversion"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
            for table in PROJECTED_TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {approved_table(table)}")
        self.stdout.write(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s.")
