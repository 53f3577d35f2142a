"""Load a clearly fictional demo data set: people, detentions, releases, events and a claim.

Every demo person is invented. Their public summaries start with "Persona ficticia de
demostración." / "Fictional demo person.", their sources point at example.org and their national
id numbers start at V-99.000.000, far beyond any number ever issued.

Demo people are marked by their public id: the prefix `demx` (every letter is in the public id
alphabet, which has no i, l, o, 0 or 1) followed by the person's number written in that alphabet
over six characters: demx222222, demx222223, ... The command does nothing when a person with
that prefix exists, so running it again changes nothing.

The data is deterministic (a seeded random.Random and dates counted back from BASE_DATE), except
that the services stamp verification times and derive statuses with today's date: release
conditions of people released under conditions are open-ended, and the ones that ended did so
before BASE_DATE, so the derived statuses do not drift as time passes.
"""

import dataclasses
import datetime
import random
from collections.abc import Iterable
from typing import NamedTuple

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from cases.models import (
    Charge,
    ConditionKind,
    Detention,
    DetentionCharge,
    Event,
    EventKind,
    LegalStage,
    MatchStatus,
    ReleaseClaim,
    ReleaseClaimName,
    ReleaseKind,
    Source,
    SourceKind,
    Tombstone,
)
from cases.services import (
    ConditionSpec,
    adopt_published_without_version,
    custody_transfer,
    detention_open,
    detention_record_death,
    person_refresh_status,
    release_record,
)
from facilities.models import Facility, FacilityKind
from lib.vocabulary import Agency, DatePrecision, PersonStatus, VerificationLevel
from registry.models import (
    PUBLIC_ID_ALPHABET,
    PUBLIC_ID_LENGTH,
    Category,
    ConsentBasis,
    Person,
    PersonQuerySet,
    RecordState,
    Sex,
)

SEED = 20260131
BASE_DATE = datetime.date(2026, 1, 31)
DEMO_ID_PREFIX = "demx"
FIRST_DEMO_NATIONAL_ID = 99_000_000

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
ARREST_KINDS = (FacilityKind.INTELLIGENCE_HQ, FacilityKind.POLICE, FacilityKind.MILITARY)
PRISON_KINDS = (FacilityKind.PRISON, FacilityKind.MILITARY, FacilityKind.INTELLIGENCE_HQ)


# A person's story is a list of steps, dated in days before BASE_DATE.


@dataclasses.dataclass(frozen=True)
class Arrest:
    ago: int
    precision: str = DAY
    whereabouts_unknown: bool = False
    kinds: tuple[str, ...] = ARREST_KINDS


@dataclasses.dataclass(frozen=True)
class Transfer:
    ago: int
    to_unknown: bool = False
    precision: str = DAY
    kinds: tuple[str, ...] = PRISON_KINDS


@dataclasses.dataclass(frozen=True)
class Condition:
    kind: str
    ends_ago: int | None = None  # None: still in force
    interval_days: int | None = None


@dataclasses.dataclass(frozen=True)
class Release:
    ago: int
    kind: str
    conditions: tuple[Condition, ...] = ()
    verified: bool = True
    precision: str = DAY


@dataclasses.dataclass(frozen=True)
class Death:
    ago: int


Step = Arrest | Transfer | Release | Death


@dataclasses.dataclass(frozen=True)
class Story:
    steps: tuple[Step, ...]
    status: str  # what the services must derive; checked after each person
    summary_es: str
    summary_en: str
    jitter: int = 45  # the whole story moves back by up to this many days, per person


PRESENTATION_30 = Condition(ConditionKind.PERIODIC_PRESENTATION, interval_days=30)
PRESENTATION_15 = Condition(ConditionKind.PERIODIC_PRESENTATION, interval_days=15)
TRAVEL_BAN = Condition(ConditionKind.TRAVEL_BAN)
GAG_ORDER = Condition(ConditionKind.GAG_ORDER)
CLAIM_AGO = 9

STORIES: dict[str, Story] = {
    "held": Story(
        (Arrest(420),),
        PersonStatus.DETAINED,
        "Detenid{o} desde hace más de un año.",
        "Held for more than a year.",
    ),
    "held_since_year": Story(
        (Arrest(1100, precision=YEAR), Transfer(700)),
        PersonStatus.DETAINED,
        "Solo se conoce el año de su detención; luego fue trasladad{o} a un penal.",
        "Only the year of the arrest is known; later moved to a prison.",
    ),
    "moved_around": Story(
        (Arrest(980), Transfer(930), Transfer(610), Transfer(200)),
        PersonStatus.DETAINED,
        "Ha sido trasladad{o} varias veces entre centros de reclusión.",
        "Moved several times between detention centres.",
    ),
    "disappeared": Story(
        (Arrest(35, whereabouts_unknown=True),),
        PersonStatus.WHEREABOUTS_UNKNOWN,
        "Las autoridades no reconocen dónde está detenid{o}.",
        "The authorities do not acknowledge where the person is held.",
        jitter=20,
    ),
    "located": Story(
        (Arrest(260, whereabouts_unknown=True), Transfer(236), Transfer(90)),
        PersonStatus.DETAINED,
        "Estuvo desaparecid{o} tres semanas antes de ser ubicad{o}.",
        "Disappeared for three weeks before being located.",
    ),
    "vanished_after_transfer": Story(
        (Arrest(540, precision=MONTH), Transfer(75, to_unknown=True)),
        PersonStatus.WHEREABOUTS_UNKNOWN,
        "Tras un traslado, se desconoce su paradero.",
        "Whereabouts unknown since a transfer.",
    ),
    "house_arrest": Story(
        (
            Arrest(700),
            Release(
                130,
                ReleaseKind.PRECAUTIONARY_MEASURES,
                (Condition(ConditionKind.HOUSE_ARREST), GAG_ORDER),
            ),
        ),
        PersonStatus.HOUSE_ARREST,
        "Cumple arresto domiciliario por orden judicial.",
        "Under house arrest by court order.",
    ),
    "conditional": Story(
        (
            Arrest(480),
            Transfer(300),
            Release(
                12, ReleaseKind.PRECAUTIONARY_MEASURES, (PRESENTATION_30, TRAVEL_BAN, GAG_ORDER)
            ),
        ),
        PersonStatus.RELEASED_CONDITIONAL,
        "Excarcelad{o} con presentación periódica, prohibición de salir del país y de declarar.",
        "Released with periodic court presentation, a travel ban and a gag order.",
        jitter=10,
    ),
    "conditional_month": Story(
        (
            Arrest(900),
            Release(
                60,
                ReleaseKind.PRECAUTIONARY_MEASURES,
                (PRESENTATION_15, Condition(ConditionKind.POLITICAL_ACTIVITY_BAN)),
                precision=MONTH,
            ),
        ),
        PersonStatus.RELEASED_CONDITIONAL,
        "Excarcelad{o} (solo se conoce el mes) con presentación cada 15 días.",
        "Released (only the month is known), presenting to a court every 15 days.",
    ),
    "conditions_over": Story(
        (
            Arrest(1500),
            Release(
                1180,
                ReleaseKind.PRECAUTIONARY_MEASURES,
                (
                    Condition(ConditionKind.PERIODIC_PRESENTATION, ends_ago=500, interval_days=30),
                    Condition(ConditionKind.TRAVEL_BAN, ends_ago=500),
                ),
            ),
        ),
        PersonStatus.RELEASED,
        "Sus medidas cautelares ya terminaron.",
        "The release conditions have ended.",
    ),
    "freed": Story(
        (Arrest(330), Release(25, ReleaseKind.AMNESTY)),
        PersonStatus.RELEASED,
        "Liberad{o} sin condiciones.",
        "Released without conditions.",
        jitter=15,
    ),
    "acquitted": Story(
        (Arrest(800, precision=MONTH), Transfer(500), Release(150, ReleaseKind.ACQUITTAL)),
        PersonStatus.RELEASED,
        "Absuelt{o} y liberad{o}.",
        "Acquitted and released.",
    ),
    "revolving_door": Story(
        (
            Arrest(1300),
            Release(
                1000,
                ReleaseKind.PRECAUTIONARY_MEASURES,
                (Condition(ConditionKind.PERIODIC_PRESENTATION, ends_ago=210, interval_days=30),),
            ),
            Arrest(210),
            Transfer(150),
        ),
        PersonStatus.DETAINED,
        "Excarcelad{o} y detenid{o} de nuevo («puerta giratoria»).",
        "Released and arrested again ('revolving door').",
    ),
    "three_times": Story(
        (
            Arrest(2400, precision=YEAR),
            Release(2100, ReleaseKind.SENTENCE_SERVED),
            Arrest(1200, precision=MONTH),
            Release(800, ReleaseKind.HUMANITARIAN),
            Arrest(95),
        ),
        PersonStatus.DETAINED,
        "Detenid{o} por tercera vez.",
        "Arrested for the third time.",
    ),
    "rearrest_then_conditional": Story(
        (
            Arrest(1000),
            Release(760, ReleaseKind.UNCONDITIONAL),
            Arrest(330),
            Release(20, ReleaseKind.PRECAUTIONARY_MEASURES, (PRESENTATION_15, TRAVEL_BAN)),
        ),
        PersonStatus.RELEASED_CONDITIONAL,
        "Detenid{o} dos veces; hoy en libertad con medidas cautelares.",
        "Arrested twice; now released under conditions.",
        jitter=15,
    ),
    "claimed": Story(
        (Arrest(560), Transfer(400), Release(CLAIM_AGO, ReleaseKind.AMNESTY, verified=False)),
        PersonStatus.DETAINED,
        "Las autoridades anunciaron su excarcelación, que nadie ha podido verificar.",
        "Officials announced the release, which nobody has been able to verify.",
        jitter=0,
    ),
    "died": Story(
        (Arrest(860), Transfer(600), Death(140)),
        PersonStatus.DECEASED_IN_CUSTODY,
        "Falleció bajo custodia del Estado.",
        "Died in state custody.",
    ),
    "died_disappeared": Story(
        (Arrest(300, whereabouts_unknown=True), Death(270)),
        PersonStatus.DECEASED_IN_CUSTODY,
        "Falleció bajo custodia sin que se conociera su paradero.",
        "Died in custody while the whereabouts were unknown.",
    ),
    "minor_conditional": Story(
        (
            Arrest(545, kinds=(FacilityKind.JUVENILE, FacilityKind.POLICE)),
            Release(480, ReleaseKind.PRECAUTIONARY_MEASURES, (PRESENTATION_30,)),
        ),
        PersonStatus.RELEASED_CONDITIONAL,
        "Menor de edad al ser detenid{o}; excarcelad{o} con presentación periódica.",
        "A minor when arrested; released with periodic court presentation.",
        jitter=5,
    ),
    "minor_held": Story(
        (Arrest(540, kinds=(FacilityKind.JUVENILE, FacilityKind.POLICE)), Transfer(500)),
        PersonStatus.DETAINED,
        "Reportad{o} como menor de edad al ser detenid{o}.",
        "Reported as a minor when arrested.",
        jitter=5,
    ),
}


class Role(NamedTuple):
    story: str
    states: tuple[str, ...]  # one person per record state
    minor: str = ""  # "birth_date": born under 18 years before the arrest; "reported": said so


PUB = RecordState.PUBLISHED
DRAFT, SUBMITTED = RecordState.DRAFT, RecordState.SUBMITTED
VERIFIED, UNPUBLISHED, REMOVED = RecordState.VERIFIED, RecordState.UNPUBLISHED, RecordState.REMOVED

ROLES: list[Role] = [
    Role("held", (PUB, PUB, PUB, DRAFT)),
    Role("held_since_year", (PUB, SUBMITTED)),
    Role("moved_around", (PUB, PUB, PUB)),
    Role("disappeared", (PUB, PUB, DRAFT)),
    Role("located", (PUB, PUB)),
    Role("vanished_after_transfer", (PUB, VERIFIED)),
    Role("house_arrest", (PUB, PUB, UNPUBLISHED)),
    Role("conditional", (PUB, PUB, PUB, SUBMITTED)),
    Role("conditional_month", (PUB, PUB)),
    Role("conditions_over", (PUB, PUB, REMOVED)),
    Role("freed", (PUB, PUB, PUB)),
    Role("acquitted", (PUB, UNPUBLISHED)),
    Role("revolving_door", (PUB, PUB, PUB)),
    Role("three_times", (PUB, PUB)),
    Role("rearrest_then_conditional", (PUB, PUB)),
    Role("claimed", (PUB, PUB, SUBMITTED)),
    Role("died", (PUB, PUB)),
    Role("died_disappeared", (PUB,)),
    Role("minor_conditional", (SUBMITTED,), minor="birth_date"),
    Role("minor_held", (VERIFIED,), minor="reported"),
]

# What each record state implies for verification and consent.
STATE_PROFILES: dict[str, tuple[str, bool]] = {  # state: (verification level, consent recorded)
    RecordState.DRAFT: (VerificationLevel.REPORTED, False),
    RecordState.SUBMITTED: (VerificationLevel.CORROBORATED, True),
    RecordState.VERIFIED: (VerificationLevel.VERIFIED, True),
    RecordState.PUBLISHED: (VerificationLevel.VERIFIED, True),
    RecordState.UNPUBLISHED: (VerificationLevel.VERIFIED, True),
    RecordState.REMOVED: (VerificationLevel.CORROBORATED, False),
}

FEMALE_NAMES = [
    "María Alejandra", "Yuleisy", "Génesis Andreína", "Rosángela", "Mariela", "Dayana Carolina",
    "Nohelia", "Ana Lucía", "Xiomara", "Marbelis", "Yelitza", "Luisana", "Érika Josefina",
    "Inés María", "Milagros del Valle", "Oriana", "Yusmary", "Francys",
]  # fmt: skip
MALE_NAMES = [
    "José Gregorio", "Andrés Eloy", "Jesús Rafael", "Darwin José", "Yonathan", "Luis Ángel",
    "Ramón Antonio", "Héctor Julio", "Wuilmer", "Frank Enrique", "Néstor", "Óscar David",
    "Rubén Darío", "Édgar Alexis", "Joel Simón", "Carlos Eduardo", "Jhonny", "Víctor Manuel",
]  # fmt: skip
SURNAMES = [
    "Pérez", "Rondón", "Guzmán", "Márquez", "Villalobos", "Añez", "Peña", "Briceño",
    "Uzcátegui", "Colmenares", "Quintero", "Zambrano", "Hernández", "Lugo", "Montilla",
    "Ocanto", "Castañeda", "Díaz", "Ramírez", "Mendoza", "Núñez", "Rojas", "Chacín",
    "Urdaneta", "Carvajal", "Salcedo", "Maldonado", "Pacheco", "Ibáñez", "Yépez",
    "Graterol", "Pernía", "Velásquez", "Terán", "Araujo", "Camacaro", "León", "Sequera",
]  # fmt: skip
ALIASES = {Sex.FEMALE: "la Gocha", Sex.MALE: "el Profe"}

CATEGORY_SETS: list[tuple[str, ...]] = [
    (Category.PROTESTER,),
    (Category.PROTESTER, Category.STUDENT),
    (Category.JOURNALIST,),
    (Category.POLITICIAN, Category.PARTY_MEMBER),
    (Category.PARTY_MEMBER,),
    (Category.MILITARY,),
    (Category.HUMAN_RIGHTS_DEFENDER,),
    (Category.UNION_LEADER,),
    (Category.ELECTION_WITNESS, Category.PARTY_MEMBER),
    (Category.RELATIVE_OF_TARGET,),
    (Category.FOREIGN_NATIONAL,),
    (Category.OTHER,),
]
PUBLIC_FIGURE_CATEGORIES = {Category.JOURNALIST, Category.POLITICIAN, Category.UNION_LEADER}

ARREST_PLACES = [
    ("Catia, Caracas", "distrito_capital"),
    ("Petare", "miranda"),
    ("Maracaibo", "zulia"),
    ("Barquisimeto", "lara"),
    ("San Cristóbal", "tachira"),
    ("Valencia", "carabobo"),
    ("Mérida", "merida"),
    ("Maturín", "monagas"),
    ("Ciudad Bolívar", "bolivar"),
    ("Puerto La Cruz", "anzoategui"),
    ("Barinas", "barinas"),
    ("Cumaná", "sucre"),
]
ARREST_AGENCIES = [
    Agency.SEBIN, Agency.DGCIM, Agency.PNB, Agency.GNB, Agency.CICPC, Agency.DAET,
    Agency.FAES, Agency.STATE_POLICE, Agency.COLECTIVOS, Agency.UNKNOWN,
]  # fmt: skip
CIRCUMSTANCES = [
    "Detención sin orden judicial en su domicilio, de madrugada.",
    "Detención durante una protesta pacífica tras las elecciones.",
    "Interceptad{o} en un punto de control vial.",
    "Citad{o} a declarar y retenid{o} en la sede policial.",
    "Detenid{o} en su lugar de trabajo por funcionarios sin identificación.",
    "Detenid{o} en el aeropuerto al regresar al país.",
]
COURTS = [
    "Tribunal Primero de Control con competencia en terrorismo (Caracas)",
    "Tribunal Segundo de Control con competencia en terrorismo (Caracas)",
    "Tribunal Militar Tercero de Control (Caracas)",
    "Tribunal Cuarto de Control del estado Zulia",
    "Tribunal Sexto de Juicio del Área Metropolitana de Caracas",
]
LEGAL_STAGES = list(LegalStage.values)

# kind, public, public description (es), private description (staff only)
EXTRA_EVENTS: list[tuple[str, bool, str, str]] = [
    (EventKind.HEARING, True, "Audiencia preliminar ante el tribunal.", ""),
    (EventKind.HEARING_POSTPONED, True, "La audiencia fue diferida una vez más.", ""),
    (EventKind.CHARGES, True, "La fiscalía presentó cargos.", ""),
    (EventKind.VISITS_DENIED, True, "La familia denunció que se le negaron las visitas.", ""),
    (EventKind.VISITS_ALLOWED, True, "Recibió la primera visita de su familia.", ""),
    (EventKind.HUNGER_STRIKE, True, "Inició una huelga de hambre.", ""),
    (EventKind.STATEMENT, True, "Sus familiares ofrecieron declaraciones a la prensa.", ""),
    (
        EventKind.HEALTH_EMERGENCY,
        False,
        "",
        "Ficticio: la abogada reporta una crisis de hipertensión sin atención médica.",
    ),
    (
        EventKind.TORTURE_ALLEGATION,
        False,
        "",
        "Ficticio: denuncia de malos tratos durante el interrogatorio; testigo pide reserva.",
    ),
]
PRIVATE_NOTES = [
    "Nota ficticia: la familia pide no publicar la dirección del domicilio.",
    "Nota ficticia: el abogado defensor prefiere que se le contacte solo por la ONG.",
    "Nota ficticia: hay otra causa abierta en un tribunal del interior.",
]
TAKEDOWN_NOTES = {
    RecordState.UNPUBLISHED: "Nota ficticia: perfil retirado a petición de la familia.",
    RecordState.REMOVED: "Nota ficticia: perfil retirado a petición de la persona.",
}


def demo_public_id(number: int) -> str:
    """`demx` and `number` in the public id alphabet over six characters (demx222223 is 1)."""
    base = len(PUBLIC_ID_ALPHABET)
    digits = []
    for _position in range(PUBLIC_ID_LENGTH - len(DEMO_ID_PREFIX)):
        number, digit = divmod(number, base)
        digits.append(PUBLIC_ID_ALPHABET[digit])
    return DEMO_ID_PREFIX + "".join(reversed(digits))


def gendered(text: str, sex: str) -> str:
    """Spanish texts say `detenid{o}`: `detenida` for a woman, `detenido` otherwise."""
    return text.replace("{o}", "a" if sex == Sex.FEMALE else "o")


def demo_people() -> PersonQuerySet:
    return Person.objects.filter(public_id__startswith=DEMO_ID_PREFIX)


def at_noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


class DemoLoader:
    """Builds the demo people one by one, through the case services."""

    def __init__(self, facilities: list[Facility], charges: list[Charge]) -> None:
        self.rng = random.Random(SEED)
        self.facilities = facilities
        self.charges = charges
        self.used_names: set[str] = set()
        self.people_by_story: dict[str, list[Person]] = {}
        # The sources of the person being built, cited by their events and releases.
        self.public_source: Source | None = None
        self.confidential_source: Source | None = None

    def load(self) -> None:
        number = 0
        for role in ROLES:
            for state in role.states:
                person = self.add_person(number, role, state)
                self.people_by_story.setdefault(role.story, []).append(person)
                number += 1
        self.add_release_claim()

    # People

    def add_person(self, number: int, role: Role, state: str) -> Person:
        story = STORIES[role.story]
        rng = self.rng
        shift = rng.randint(0, story.jitter)
        sex = Sex.FEMALE if rng.random() < 0.4 else Sex.MALE
        given_names, first_surname, second_surname = self.new_name(sex)
        categories = rng.choice(CATEGORY_SETS)
        if role.minor:
            categories = (Category.STUDENT, Category.PROTESTER)
        verification, has_consent = STATE_PROFILES[state]
        consent = ConsentBasis.NONE
        if has_consent:
            public_figure = PUBLIC_FIGURE_CATEGORIES.intersection(categories)
            consent = (
                ConsentBasis.PUBLIC_FIGURE
                if public_figure
                else rng.choice([ConsentBasis.FAMILY, ConsentBasis.FAMILY, ConsentBasis.PERSON])
            )
        first_arrest = BASE_DATE - datetime.timedelta(days=story.steps[0].ago + shift)
        summary_es = gendered(story.summary_es, sex)
        aliases = [ALIASES[sex]] if rng.random() < 0.1 else []

        person = Person(
            public_id=demo_public_id(number),
            given_names=given_names,
            first_surname=first_surname,
            second_surname=second_surname,
            aliases=aliases,
            sex=sex,
            nationalities=["CO"] if Category.FOREIGN_NATIONAL in categories else ["VE"],
            categories=list(categories),
            public_summary_es=f"Persona ficticia de demostración. {summary_es}",
            public_summary_en=f"Fictional demo person. {story.summary_en}",
            record_state=RecordState.DRAFT,
            verification_level=verification,
            consent_basis=consent,
            consent_recorded_on=first_arrest + datetime.timedelta(days=20) if has_consent else None,
            last_verified_at=(
                at_noon(BASE_DATE - datetime.timedelta(days=rng.randint(1, 30)))
                if verification == VerificationLevel.VERIFIED
                else None
            ),
        )
        self.fill_birth(person, role, first_arrest)
        self.fill_private_data(person, number, state)
        person.full_clean()
        person.save()

        self.add_sources(person)
        self.play(person, story, shift)
        person.refresh_from_db()
        if person.current_status != story.status:
            raise CommandError(
                f"Demo story {role.story!r} gave {person.current_status!r}, not {story.status!r}."
            )
        person.record_state = state
        person.full_clean()
        person.save(update_fields=["record_state", "updated_at"])
        return person

    def new_name(self, sex: str) -> tuple[str, str, str]:
        names = FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES
        while True:
            given = self.rng.choice(names)
            first, second = self.rng.sample(SURNAMES, 2)
            if (full := f"{given} {first} {second}") not in self.used_names:
                self.used_names.add(full)
                return given, first, second

    def fill_birth(self, person: Person, role: Role, first_arrest: datetime.date) -> None:
        rng = self.rng
        if role.minor == "birth_date":
            # 16 years and some months old at the first arrest.
            person.birth_date = first_arrest - datetime.timedelta(
                days=16 * 365 + rng.randint(30, 300)
            )
        elif role.minor == "reported":
            person.reported_as_minor = True
        elif rng.random() < 0.4:
            person.birth_date = datetime.date(rng.randint(1960, 2000), rng.randint(1, 12), 15)
        elif rng.random() < 0.5:
            person.birth_year = rng.randint(1955, 2001)

    def fill_private_data(self, person: Person, number: int, state: str) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            person.national_id = f"V-{FIRST_DEMO_NATIONAL_ID + number * 137 + rng.randint(0, 99)}"
        if rng.random() < 0.5:
            relative = rng.choice(["Madre", "Padre", "Hermana", "Tía"])
            person.family_contacts = (
                f"{relative} (ficticio): +58 412-555-{rng.randint(0, 9999):04d}, "
                "contactar solo por la ONG."
            )
        notes = [rng.choice(PRIVATE_NOTES)] if rng.random() < 0.5 else []
        if state in TAKEDOWN_NOTES:
            notes.append(TAKEDOWN_NOTES[state])
        person.private_notes = "\n".join(notes) or None

    def add_sources(self, person: Person) -> None:
        rng = self.rng
        self.public_source = self.source(
            person,
            kind=rng.choice([SourceKind.PRESS, SourceKind.NGO_REPORT, SourceKind.SOCIAL_MEDIA]),
            title=f"Ficticio: reporte sobre {person.full_name}",
            publisher=rng.choice(["Diario Ejemplo (ficticio)", "ONG Ejemplo (ficticia)"]),
        )
        self.confidential_source = None
        if rng.random() < 0.6:
            self.confidential_source = Source(
                person=person,
                kind=rng.choice([SourceKind.FAMILY_TESTIMONY, SourceKind.LAWYER]),
                title=f"Ficticio: testimonio reservado sobre {person.full_name}",
                is_confidential=True,
                confidential_details=(
                    f"Contacto ficticio: +58 414-555-{rng.randint(0, 9999):04d}; "
                    "pidió no ser identificado."
                ),
            )
            self.confidential_source.full_clean()
            self.confidential_source.save()

    def source(self, person: Person | None, *, kind: str, title: str, publisher: str) -> Source:
        number = Source.objects.count() + 1
        source = Source(
            person=person,
            kind=kind,
            title=title,
            url=f"https://example.org/demo/fuente-{number}",
            publisher=publisher,
            published_on=BASE_DATE - datetime.timedelta(days=self.rng.randint(0, 60)),
            is_confidential=False,
        )
        source.full_clean()
        source.save()
        return source

    # Stories

    def play(self, person: Person, story: Story, shift: int) -> None:
        detention: Detention | None = None
        facility: Facility | None = None
        for step in story.steps:
            day = BASE_DATE - datetime.timedelta(days=step.ago + shift)
            if isinstance(step, Arrest):
                facility = None if step.whereabouts_unknown else self.pick(step.kinds, person)
                detention = self.arrest(person, step, day, facility, rearrest=detention is not None)
            elif isinstance(step, Transfer):
                located = facility is None and not step.to_unknown
                facility = None if step.to_unknown else self.pick(step.kinds, person, facility)
                self.transfer(person, detention, step, day, facility, located)
            elif isinstance(step, Release):
                self.release(person, detention, step, day, shift)
            else:
                detention_record_death(detention=detention, died_on=day)
                self.event(person, detention, EventKind.DEATH, day, "Murió bajo custodia.")
        for detention in person.detentions.all():
            self.add_extra_events(person, detention)

    def pick(
        self, kinds: Iterable[str], person: Person, current: Facility | None = None
    ) -> Facility:
        kinds = list(kinds)
        if person.sex == Sex.FEMALE and FacilityKind.PRISON in kinds:
            kinds.insert(0, FacilityKind.WOMENS_PRISON)
        others = [f for f in self.facilities if f != current]
        for kind in kinds:
            if candidates := [f for f in others if f.kind == kind]:
                return self.rng.choice(candidates)
        return self.rng.choice(others or self.facilities)

    def arrest(
        self,
        person: Person,
        step: Arrest,
        day: datetime.date,
        facility: Facility | None,
        *,
        rearrest: bool,
    ) -> Detention:
        rng = self.rng
        place, state = rng.choice(ARREST_PLACES)
        stage = rng.choice(LEGAL_STAGES)
        detention = detention_open(
            person=person,
            arrested_on=day,
            arrested_on_precision=step.precision,
            facility=facility,
            whereabouts_unknown=step.whereabouts_unknown,
            arrest_place=place,
            arrest_state=state,
            arresting_agency=rng.choice(ARREST_AGENCIES),
            circumstances=gendered(rng.choice(CIRCUMSTANCES), person.sex),
            private_notes=(
                "Ficticio: un vecino presenció la detención y pide reserva."
                if rng.random() < 0.3
                else None
            ),
            legal_stage=stage,
            court=rng.choice(COURTS) if stage != LegalStage.NO_CHARGES else "",
            sentence=f"{rng.randint(3, 16)} años de prisión"
            if stage == LegalStage.CONVICTED
            else "",
        )
        if stage != LegalStage.NO_CHARGES:
            for charge in rng.sample(self.charges, min(len(self.charges), rng.randint(1, 3))):
                link = DetentionCharge(
                    detention=detention,
                    charge=charge,
                    charged_on=detention.arrested_on + datetime.timedelta(days=2),
                    charged_on_precision=step.precision,
                )
                link.full_clean()
                link.save()
        kind = EventKind.REARREST if rearrest else EventKind.ARREST
        where = f"; llevad{{o}} a {facility}" if facility else ""
        self.event(person, detention, kind, day, f"Detenid{{o}} en {place}{where}.", step.precision)
        if step.whereabouts_unknown:
            self.event(
                person,
                detention,
                EventKind.DISAPPEARANCE,
                day,
                "Las autoridades no informan dónde está detenid{o}.",
                step.precision,
            )
        return detention

    def transfer(
        self,
        person: Person,
        detention: Detention,
        step: Transfer,
        day: datetime.date,
        facility: Facility | None,
        located: bool,
    ) -> None:
        custody_transfer(detention=detention, facility=facility, on=day, precision=step.precision)
        if facility is None:
            kind, text = EventKind.DISAPPEARANCE, "Tras un traslado, se desconoce su paradero."
        elif located:
            kind, text = EventKind.LOCATED, f"Fue ubicad{{o}} en {facility}."
        else:
            kind, text = EventKind.TRANSFER, f"Trasladad{{o}} a {facility}."
        self.event(
            person, detention, kind, day, text, step.precision, public=self.rng.random() < 0.8
        )

    def release(
        self, person: Person, detention: Detention, step: Release, day: datetime.date, shift: int
    ) -> None:
        released_on = day.replace(day=1) if step.precision == MONTH else day
        conditions = tuple(
            ConditionSpec(
                kind=condition.kind,
                starts_on=released_on,
                ends_on=(
                    None
                    if condition.ends_ago is None
                    else BASE_DATE - datetime.timedelta(days=condition.ends_ago + shift)
                ),
                interval_days=condition.interval_days,
                court=self.rng.choice(COURTS) if condition.interval_days else "",
            )
            for condition in step.conditions
        )
        release = release_record(
            detention=detention,
            released_on=released_on,
            released_on_precision=step.precision,
            kind=step.kind,
            conditions=conditions,
            public_note="Ficticio: excarcelación con boleta del tribunal." if step.verified else "",
        )
        if not step.verified:
            self.event(
                person,
                detention,
                EventKind.STATEMENT,
                day,
                "Voceros oficiales anunciaron su excarcelación; la familia no la ha confirmado.",
            )
            return
        # Fictitious records are loaded as they stand after the workflow, as their record states
        # are: no verifier account exists to verify through release_verify (cases/rules.py).
        release.verified = True
        release.verified_at = at_noon(min(BASE_DATE, day + datetime.timedelta(days=3)))
        release.save(update_fields=["verified", "verified_at"])
        person_refresh_status(person=person)
        release.sources.add(self.public_source)
        text = "Excarcelad{o} con medidas cautelares." if conditions else "Excarcelad{o}."
        self.event(person, detention, EventKind.RELEASE, released_on, text, step.precision)

    def add_extra_events(self, person: Person, detention: Detention) -> None:
        end = detention.ended_on or BASE_DATE
        span = (end - detention.arrested_on).days
        if span < 10:
            return
        for kind, public, text, private in self.rng.sample(EXTRA_EVENTS, self.rng.randint(1, 3)):
            day = detention.arrested_on + datetime.timedelta(days=self.rng.randint(3, span - 3))
            sources = [self.confidential_source] if private and self.confidential_source else None
            self.event(
                person, detention, kind, day, text, public=public, private=private, sources=sources
            )
        if detention.legal_stage == LegalStage.CONVICTED:
            day = detention.arrested_on + datetime.timedelta(days=span // 2)
            self.event(
                person, detention, EventKind.SENTENCE, day, f"Condenad{{o}} a {detention.sentence}."
            )

    def event(
        self,
        person: Person,
        detention: Detention | None,
        kind: str,
        day: datetime.date,
        text: str,
        precision: str = DAY,
        *,
        public: bool = True,
        private: str = "",
        sources: list[Source] | None = None,
    ) -> Event:
        event = Event(
            person=person,
            detention=detention,
            kind=kind,
            occurred_on=day,
            occurred_on_precision=precision,
            public_description=gendered(text, person.sex),
            private_description=private or None,
            is_public=public,
        )
        event.full_clean()
        event.save()
        event.sources.set(
            sources if sources is not None else [self.public_source] if public else []
        )
        return event

    # The claim

    def add_release_claim(self) -> None:
        """116 announced, names published; only reconciliation and verification change anything."""
        announced_on = BASE_DATE - datetime.timedelta(days=CLAIM_AGO)
        claim = ReleaseClaim(
            announced_on=announced_on,
            claimant="Vocero oficial (ficticio)",
            claimant_institution="Ministerio ficticio de servicio penitenciario",
            claimed_count=116,
            scope="Ficticio: «presos políticos excarcelados en las últimas horas».",
            names_published=True,
            source=self.source(
                None,
                kind=SourceKind.OFFICIAL_STATEMENT,
                title="Ficticio: anuncio oficial de 116 excarcelaciones",
                publisher="Canal oficial (ficticio)",
            ),
            verification_level=VerificationLevel.REPORTED,
            notes="Demostración: de 116 anunciadas, el registro solo pudo verificar algunas.",
        )
        claim.full_clean()
        claim.save()

        freed = self.people_by_story["freed"][0]
        ambiguous = self.people_by_story["held"][0]
        rows: list[tuple[str, str, Person | None, bool, str | None]] = [
            (person.full_name, MatchStatus.MATCHED, person, False, None)
            for person in self.people_by_story["claimed"]
        ]
        rows += [
            (freed.full_name, MatchStatus.MATCHED, freed, True, None),
            (f"{ambiguous.given_names.split()[0]} {ambiguous.first_surname}", MatchStatus.AMBIGUOUS,
             None, False, None),
            ("Wilfredo Antonio Sarmiento Lozada", MatchStatus.UNKNOWN, None, False, None),
            ("Carmen Elena Bracho Tovar", MatchStatus.UNKNOWN, None, False, "V-99999123"),
            ("Persona sin apellido publicado", MatchStatus.PENDING, None, False, None),
        ]  # fmt: skip
        for published_name, match, person, verified_released, national_id in rows:
            name = ReleaseClaimName(
                claim=claim,
                published_name=published_name,
                match_status=match,
                person=person,
                verified_released=verified_released,
                national_id=national_id,
            )
            name.full_clean()
            name.save()


class Command(BaseCommand):
    help = "Load a fictional demo data set (idempotent: does nothing when it is already loaded)."

    def handle(self, *args, **options) -> None:
        if demo_people().exists():
            self.stdout.write(f"Demo data already loaded ({demo_people().count()} people).")
            return
        facilities = list(Facility.objects.order_by("slug"))
        charges = list(Charge.objects.order_by("law", "article", "name"))
        if not facilities or not charges:
            raise CommandError("No facilities or charges found: run load_reference_data first.")
        with transaction.atomic(), translation.override("es"):
            DemoLoader(facilities, charges).load()
            # The demo's published records count as approved (a first version each), and the
            # records taken down answer 410, as the workflow would have left them.
            adopt_published_without_version()
            Tombstone.objects.bulk_create(
                Tombstone(public_id=public_id)
                for public_id in demo_people()
                .filter(record_state__in=[UNPUBLISHED, REMOVED])
                .values_list("public_id", flat=True)
            )
        counts = demo_people().status_counts()
        summary = ", ".join(f"{status} {counts.get(status, 0)}" for status in PersonStatus.values)
        self.stdout.write(f"Demo data loaded: {sum(counts.values())} people ({summary}).")
