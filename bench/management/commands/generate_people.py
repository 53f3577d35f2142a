"""Generate synthetic people, detentions, custody stays and releases for benchmarks (DESIGN §7).

    manage.py generate_people --count 1000000 [--seed 7] [--batch 50000]
    manage.py generate_people --clear-synthetic            # remove them again
    manage.py generate_people --clear-synthetic --count N  # replace them

Rows are written with PostgreSQL COPY, one transaction per batch, so a million people take a
few minutes. Names are Venezuelan in shape: one or two given names (a long-tailed pool with the
accented and the typically Venezuelan ones: José, Jesús, Yusmary, Wuilmer...) and two surnames
drawn with a Zipf-like weighting from a few hundred real Hispanic surnames followed by thousands
of generated ones (Spanish, Basque-like and indigenous-like word shapes), so that the name
distribution has the long tail that makes search recall meaningful: a few very common surnames,
thousands of rare ones.

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

import bisect
import dataclasses
import datetime
import itertools
import random
import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from cases.models import ConditionKind, EndReason, LegalStage, ReleaseKind
from cases.status import people_insert_staged, people_staging_create
from facilities.models import Facility, FacilityKind
from lib.vocabulary import Agency, DatePrecision, VenezuelanState
from registry.models import (
    PUBLIC_ID_ALPHABET,
    PUBLIC_ID_LENGTH,
    Category,
    ConsentBasis,
    RecordState,
    Sex,
)

SYNTHETIC_PREFIX = "syn"
SYNTHETIC_SUMMARY = "Persona sintética generada para pruebas de rendimiento."
SYNTHETIC_SUMMARY_EN = "Synthetic person generated for performance tests."
DEFAULT_SEED = 7
LONG_TAIL_SEED = 20140212  # the long tail of surnames is the same whatever --seed says
LONG_TAIL_SURNAMES = 6000
IDS_PER_PERSON = 2  # detention and release ids reserved per person of a batch

FIRST_DATE = datetime.date(2014, 1, 1)
LAST_DATE = datetime.date(2026, 1, 31)

# ---------------------------------------------------------------------------------------------
# Name pools, most frequent first (the order gives the Zipf rank).

MALE_GIVEN_NAMES: tuple[str, ...] = (
    "José", "Luis", "Carlos", "Jesús", "Juan", "Miguel", "Pedro", "Antonio", "Manuel",
    "Francisco", "Rafael", "Jorge", "Ángel", "Alejandro", "Daniel", "David", "Gabriel", "Andrés",
    "Víctor", "Ramón", "Fernando", "Ricardo", "Eduardo", "Javier", "Óscar", "Alberto", "Roberto",
    "Julio", "César", "Héctor", "Freddy", "Wilmer", "Gregorio", "Enrique", "Nelson", "Gustavo",
    "Leonardo", "Orlando", "Omar", "Reinaldo", "Richard", "Rubén", "Simón", "Armando", "Ernesto",
    "Elías", "Édgar", "Eliézer", "Jonathan", "Johan", "Kevin", "Anderson", "Jefferson",
    "Franklin", "Wilfredo", "Darwin", "Deivis", "Yorman", "Yeferson", "Wuilmer", "Jhonny",
    "Yonathan", "Yordy", "Yorbis", "Wilson", "Williams", "Dixon", "Eudes", "Ender", "Endrys",
    "Frank", "Geovanny", "Henry", "Humberto", "Iván", "Joel", "Leandro", "Marcos", "Mario",
    "Mauricio", "Nicolás", "Norberto", "Pablo", "Rigoberto", "Rolando", "Samuel", "Santiago",
    "Sergio", "Tomás", "Ulises", "Vladimir", "Wladimir", "Alexis", "Argenis", "Asdrúbal",
    "Baudilio", "Douglas", "Eleazar", "Emilio", "Félix", "Germán", "Gilberto", "Ignacio",
    "Isaac", "Ismael", "Jairo", "Jhoan", "Jhon", "Leomar", "Lisandro", "Maikel", "Maicol",
    "Nerio", "Néstor", "Osmel", "Oswaldo", "Raúl", "Rómulo", "Rosendo", "Saúl", "Teodoro",
    "Valentín", "Wuilliams", "Yeison", "Yoel", "Yoiner", "Zacarías", "Adrián", "Agustín",
    "Alfredo", "Álvaro", "Aníbal", "Arturo", "Benito", "Bernardo", "Carmelo", "Cristian",
    "Cristóbal", "Darío", "Diego", "Domingo", "Efraín", "Elvis", "Esteban", "Eugenio",
    "Ezequiel", "Fabián", "Felipe", "Gerardo", "Gonzalo", "Guillermo", "Hugo", "Israel",
    "Jaime", "Joaquín", "Julián", "Leonel", "Lorenzo", "Marcelo", "Martín", "Matías", "Moisés",
    "Noel", "Octavio", "Pascual", "Ramiro", "Raimundo", "Salvador", "Sebastián", "Silvio",
    "Tulio", "Ubaldo", "Vicente", "Wilmer", "Yoendry", "Yohandry", "Yulián", "Zenón",
)  # fmt: skip

FEMALE_GIVEN_NAMES: tuple[str, ...] = (
    "María", "Ana", "Carmen", "Rosa", "Luisa", "Yusmary", "Carolina", "Daniela", "Gabriela",
    "Andreína", "Marisol", "Maribel", "Mariela", "Yelitza", "Yuleisy", "Yurimar", "Yusleidy",
    "Oriana", "Fernanda", "Valentina", "Victoria", "Alejandra", "Patricia", "Beatriz",
    "Lourdes", "Milagros", "Mercedes", "Dayana", "Deisy", "Johana", "Yohana", "Nohemí",
    "Norelys", "Nelly", "Belkis", "Betzabeth", "Xiomara", "Zuleima", "Zulay", "Zoraida",
    "Yolanda", "Teresa", "Josefina", "Isabel", "Inés", "Irma", "Iris", "Gladys", "Glenda",
    "Francis", "Elizabeth", "Emilia", "Elena", "Dulce", "Coromoto", "Consuelo", "Clara",
    "Cecilia", "Carla", "Auxiliadora", "Aura", "Antonieta", "Alba", "Adriana", "Karina",
    "Katherine", "Keila", "Leidy", "Lisbeth", "Lucía", "Luz", "Magaly", "Maritza", "Mayerling",
    "Mónica", "Nancy", "Nathaly", "Neida", "Nilda", "Omaira", "Paola", "Rebeca", "Rosalba",
    "Sandra", "Silvia", "Sofía", "Solangel", "Sugey", "Tibisay", "Virginia", "Wendy", "Yajaira",
    "Yamileth", "Yarelis", "Yesenia", "Yoselin", "Yuraima", "Zenaida", "Geraldine", "Génesis",
    "Hilda", "Ingrid", "Jacqueline", "Jessica", "Judith", "Julia", "Laura", "Leticia",
    "Liliana", "Lorena", "Marbelis", "Migdalia", "Miriam", "Naibeth", "Norma", "Olga", "Raiza",
    "Rosmary", "Sulay", "Thais", "Verónica", "Ysbelia", "Yudith", "Maryelis", "Marielys",
    "Yaneth", "Yenny", "Yanitza", "Yosmary", "Angélica", "Bárbara", "Belén", "Blanca",
    "Celeste", "Dalia", "Diana", "Dora", "Esther", "Eva", "Fabiola", "Flor", "Graciela",
    "Guadalupe", "Haydée", "Jazmín", "Joselyn", "Karla", "Lilibeth", "Lisseth", "Marlene",
    "Mirna", "Natalia", "Noris", "Petra", "Ramona", "Rosario", "Ruth", "Soledad", "Susana",
    "Yamilet", "Yngrid", "Yubiri", "Yulimar", "Zaida",
)  # fmt: skip

COMPOUND_GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("José Gregorio", Sex.MALE), ("Juan Carlos", Sex.MALE), ("Luis Alberto", Sex.MALE),
    ("María José", Sex.FEMALE), ("María Fernanda", Sex.FEMALE), ("María Alejandra", Sex.FEMALE),
    ("María Gabriela", Sex.FEMALE), ("Ana María", Sex.FEMALE), ("Juan José", Sex.MALE),
    ("Luis Enrique", Sex.MALE), ("José Luis", Sex.MALE), ("Carlos Eduardo", Sex.MALE),
    ("Jesús Alberto", Sex.MALE), ("María Eugenia", Sex.FEMALE), ("María Teresa", Sex.FEMALE),
    ("Rosa María", Sex.FEMALE), ("Miguel Ángel", Sex.MALE), ("José Miguel", Sex.MALE),
    ("Juan Pablo", Sex.MALE), ("José Antonio", Sex.MALE), ("María Elena", Sex.FEMALE),
    ("María de los Ángeles", Sex.FEMALE), ("María del Carmen", Sex.FEMALE),
    ("Jesús Manuel", Sex.MALE), ("María Auxiliadora", Sex.FEMALE),
)  # fmt: skip

# Real surnames, roughly the most frequent in Venezuela first.
COMMON_SURNAMES: tuple[str, ...] = (
    "González", "Rodríguez", "Pérez", "Hernández", "García", "Martínez", "López", "Sánchez",
    "Díaz", "Ramírez", "Torres", "Rojas", "Flores", "Gómez", "Morales", "Medina", "Castillo",
    "Suárez", "Romero", "Contreras", "Gutiérrez", "Silva", "Mendoza", "Rivas", "Márquez",
    "Vargas", "Marcano", "Herrera", "Álvarez", "Acosta", "Salazar", "Jiménez", "Blanco",
    "Guerrero", "Ramos", "Moreno", "Castro", "Fernández", "Chacón", "Méndez", "Rangel",
    "Briceño", "Peña", "Ruiz", "Colmenares", "Quintero", "Aguilar", "Parra", "Montilla", "Mora",
    "Vásquez", "Rondón", "Guzmán", "Molina", "Campos", "Delgado", "Palma", "Zambrano", "Bracho",
    "Bello", "Paredes", "Lugo", "Bastidas", "Sosa", "Velásquez", "Figueroa", "Linares", "Ortiz",
    "Cabrera", "Carrillo", "Ochoa", "Escalona", "Villegas", "Navas", "Villarroel", "Pacheco",
    "Tovar", "Istúriz", "Guanipa", "Urdaneta", "Marín", "Salas", "Leal", "Camacho", "Cordero",
    "Osorio", "León", "Vielma", "Aponte", "Barrios", "Pineda", "Rosales", "Arias", "Meléndez",
    "Toro", "Nieves", "Cedeño", "Brito", "Villalobos", "Padrón", "Ávila", "Lozada", "Mujica",
    "Maldonado", "Fuentes", "Luna", "Montero", "Valera", "Fermín", "Lara", "Patiño", "Peraza",
    "Sequera", "Yépez", "Zapata", "Mata", "Guevara", "Piñango", "Olivares", "Arteaga", "Bolívar",
    "Valero", "Chirinos", "Hidalgo", "Reyes", "Cruz", "Núñez", "Castañeda", "Carmona", "Ocanto",
    "Caraballo", "Marrero", "Sulbarán", "Uzcátegui", "Albornoz", "Araujo", "Azuaje", "Bermúdez",
    "Betancourt", "Bravo", "Calderón", "Canelón", "Carvajal", "Cisneros", "Coronado", "Duarte",
    "Echeverría", "Escobar", "Espinoza", "Farías", "Finol", "Gil", "Godoy", "Graterol",
    "Guillén", "Inciarte", "Jaimes", "Labrador", "Lameda", "Landaeta", "Liendo", "Lira", "Lobo",
    "Lucena", "Machado", "Manrique", "Mejías", "Millán", "Mirabal", "Monsalve", "Montes",
    "Moya", "Muñoz", "Noguera", "Oropeza", "Ortega", "Palacios", "Pernía", "Piña", "Ponce",
    "Prieto", "Quiñones", "Quijada", "Riera", "Rivero", "Rincón", "Rubio", "Sáez", "Salcedo",
    "Sanabria", "Sandoval", "Santana", "Santiago", "Serrano", "Sierra", "Sifontes", "Soto",
    "Tabares", "Tapia", "Terán", "Tirado", "Trejo", "Ugas", "Urbina", "Useche", "Valbuena",
    "Valdez", "Vera", "Vivas", "Yánez", "Zerpa", "Zamora", "Aguilera", "Alvarado", "Andrade",
    "Añez", "Arocha", "Arrieta", "Barreto", "Belisario", "Benítez", "Borges", "Cadenas",
    "Camejo", "Cárdenas", "Carreño", "Castellanos", "Cegarra", "Colina", "Corredor", "Dávila",
    "Durán", "Ereú", "Estrada", "Fajardo", "Franco", "Freites", "Galindo", "Gallardo", "Garcés",
    "Gimón", "Guédez", "Henríquez", "Ibarra", "Jaramillo", "Lander", "Lanz", "Loreto", "Malavé",
    "Mariño", "Mendible", "Mogollón", "Monasterio", "Natera", "Orta", "Perdomo", "Petit",
    "Pinto", "Pirela", "Puerta", "Requena", "Rosas", "Sarmiento", "Tellería", "Tineo", "Urbáez",
    "Uribe", "Velasco", "Viloria", "Zabala", "Zárraga", "Goitía", "Echenique", "Arismendi",
    "Irazábal", "Larrazábal", "Olavarría", "Urquiola", "Aranguren", "Azpúrua", "Goicoechea",
    "Zuloaga", "Machillanda", "Guaramato", "Guaita", "Caripa", "Maita", "Tacoa", "Chaparro",
    "Cuicas", "Paraguacuto", "Yaguaracuto", "Guarema", "Chourio", "Ñañez", "Báez", "Cáceres",
    "Ojeda", "Orozco", "Pardo", "Quevedo", "Salinas", "Solórzano", "Toledo", "Valencia",
    "Vallenilla", "Vegas", "Zurita", "Escalante", "Garrido", "Jaspe", "Lamas", "Manzano",
    "Medrano", "Núñez de Cáceres", "Pinzón", "Rada", "Rengifo", "Saavedra", "Tamayo", "Uzcanga",
    "Villasmil", "Añez", "Atencio", "Boscán", "Chourio", "Fuenmayor", "Montiel", "Nava",
    "Paz", "Parra", "Portillo", "Quintero", "Sthormes", "Urdaneta", "Vílchez", "Ferrer",
    "De Freitas", "Rodrigues", "Da Silva", "Ferreira", "Fernandes", "Pestana", "Gouveia",
    "Di Giacomo", "D'Alessandro", "Rossi", "Russo", "Capriles", "Salem", "Nasser", "Haddad",
    "De Abreu", "Dos Santos", "Lo Presti", "Del Valle", "De la Rosa", "Sánchez de León",
)  # fmt: skip

NICKNAMES: dict[str, str] = {
    "José": "Cheo", "Jesús": "Chuo", "Francisco": "Pancho", "Ramón": "Moncho", "Rafael": "Rafa",
    "Alejandro": "Alex", "Manuel": "Manolo", "Eduardo": "Lalo", "Gregorio": "Goyo",
    "Ignacio": "Nacho", "Rosario": "Charo", "Alberto": "Beto", "Roberto": "Beto",
    "Luisa": "Lucha", "Guillermo": "Memo", "Antonio": "Toño", "María": "Mary", "Josefina": "Pepa",
    "Concepción": "Concha", "Mercedes": "Meche", "Dolores": "Lola", "Isabel": "Chabela",
}  # fmt: skip

# Word shapes for the generated long tail of surnames: mostly simple consonant + vowel
# syllables, now and then a cluster or a diphthong, then a Spanish, Basque-like or
# indigenous-like ending.
_ONSETS = (
    "b", "c", "d", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "gu", "j", "ll", "qu",
    "y", "z", "f",
)  # fmt: skip
_CLUSTERS = ("br", "cr", "gr", "pr", "tr", "bl", "cl", "fl", "pl")
_INNER_ONSETS = (*_ONSETS, "rr", "ñ", "nd", "rt", "lt", "nc", "st")
_VOWELS = ("a", "e", "i", "o", "u")
_DIPHTHONGS = ("ia", "ue", "ua", "ie", "ai", "au")
_SUFFIX_EZ = "ez"  # patronymic, stressed on the syllable before: Pérez, Tolámez
_SUFFIXES = (
    "ero", "era", "ano", "ana", "ales", "illo", "illa", "eda", "edo", "ino", "ina", "oza",
    "ura", "ota", "ares", "ante", "ena", "uela", "eño", "eña", "ón", "án", "ín", "ía",
    "aga", "eta", "egui", "ola", "arri", "ondo", "urre", "aran", "uren", "ondo", "ia",
    "apa", "ima", "uare", "acay", "uto", "are", "ipa", "oco", "al", "ar", "el", "il", "os",
)  # fmt: skip
_INDIGENOUS_HEADS = ("gua", "cha", "yara", "cuma", "tama", "cari", "mara", "tupa", "chi", "yu")
_ACUTE = str.maketrans("aeiou", "áéíóú")
# Spellings Spanish does not use (qu and gu go before e or i; no doubled ll or u).
_IMPOSSIBLE = re.compile(r"qu[aouáóú]|gu[uoúó]|uu|llll|ll.ll|rrr|(.)\1\1")


def strip_accents(text: str) -> str:
    """`Núñez` -> `Nunez`: what people type without an accent key."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _accent_last_vowel(stem: str) -> str:
    for index in range(len(stem) - 1, -1, -1):
        if stem[index] in "aeiou":
            return stem[:index] + stem[index].translate(_ACUTE) + stem[index + 1 :]
    return stem


def _syllable(rng: random.Random, *, first: bool) -> str:
    roll = rng.random()
    if roll < 0.12:
        onset = rng.choice(_CLUSTERS)
    elif first and roll < 0.22:
        onset = ""
    else:
        onset = rng.choice(_ONSETS if first else _INNER_ONSETS)
    vowel = rng.choice(_DIPHTHONGS) if rng.random() < 0.1 else rng.choice(_VOWELS)
    return onset + vowel


def _long_tail_surname(rng: random.Random) -> str:
    syllables = rng.choices((1, 2, 3), weights=(35, 55, 10))[0]
    if rng.random() < 0.08:
        stem = rng.choice(_INDIGENOUS_HEADS)
        syllables = 1 if syllables > 1 else 0
    else:
        stem = ""
    for index in range(syllables):
        stem += _syllable(rng, first=not stem and index == 0)
    stem += rng.choice(_INNER_ONSETS)
    if rng.random() < 0.3:
        word = _accent_last_vowel(stem) + _SUFFIX_EZ
    else:
        word = stem + rng.choice(_SUFFIXES)
    return word[0].upper() + word[1:]


def _zipf_cumulative(count: int, *, exponent: float, offset: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(count)))


class NamePools:
    """Given names and surnames with Zipf-like weights; `surnames` has thousands of entries."""

    def __init__(self, long_tail: int = LONG_TAIL_SURNAMES) -> None:
        self.surnames: list[str] = list(dict.fromkeys(COMMON_SURNAMES))
        seen = {strip_accents(name).lower() for name in self.surnames}
        rng = random.Random(LONG_TAIL_SEED)
        target = len(self.surnames) + long_tail
        while len(self.surnames) < target:
            name = _long_tail_surname(rng)
            key = strip_accents(name).lower()
            if 4 <= len(key) <= 13 and key not in seen and not _IMPOSSIBLE.search(name.lower()):
                seen.add(key)
                self.surnames.append(name)
        self._surname_weights = _zipf_cumulative(len(self.surnames), exponent=1.0, offset=3.0)
        self.male = list(dict.fromkeys(MALE_GIVEN_NAMES))
        self.female = list(dict.fromkeys(FEMALE_GIVEN_NAMES))
        self._male_weights = _zipf_cumulative(len(self.male), exponent=0.9, offset=2.0)
        self._female_weights = _zipf_cumulative(len(self.female), exponent=0.9, offset=2.0)

    @staticmethod
    def _pick(rng: random.Random, names: Sequence[str], cumulative: list[float]) -> str:
        index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
        return names[min(index, len(names) - 1)]

    def surname(self, rng: random.Random) -> str:
        return self._pick(rng, self.surnames, self._surname_weights)

    def given_names(self, rng: random.Random, sex: str) -> str:
        roll = rng.random()
        if roll < 0.10:
            compounds = [name for name, s in COMPOUND_GIVEN_NAMES if s == sex]
            if compounds:
                return rng.choice(compounds)
        names, weights = (
            (self.female, self._female_weights)
            if sex == Sex.FEMALE
            else (self.male, self._male_weights)
        )
        first = self._pick(rng, names, weights)
        if roll < 0.60:
            second = self._pick(rng, names, weights)
            if second != first:
                return f"{first} {second}"
        return first


@dataclasses.dataclass(frozen=True)
class SyntheticName:
    given_names: str
    first_surname: str
    second_surname: str
    display_name: str
    sex: str

    @property
    def full_name(self) -> str:
        parts = (self.given_names, self.first_surname, self.second_surname)
        return " ".join(part for part in parts if part)


def synthetic_name(pools: NamePools, rng: random.Random) -> SyntheticName:
    roll = rng.random()
    sex = Sex.MALE if roll < 0.55 else Sex.FEMALE if roll < 0.99 else Sex.UNKNOWN
    given = pools.given_names(rng, Sex.MALE if sex == Sex.UNKNOWN else sex)
    first = pools.surname(rng)
    second = pools.surname(rng) if rng.random() >= 0.07 else ""
    display = ""
    if rng.random() < 0.03:
        head = given.split()[0]
        display = f"{NICKNAMES.get(head, head)} {first}"
    return SyntheticName(given, first, second, display, sex)


def synthetic_names(count: int, *, seed: int = DEFAULT_SEED) -> Iterator[SyntheticName]:
    """`count` names as the command draws them (tests reuse this with a fixed seed)."""
    pools = NamePools()
    rng = random.Random(seed)
    for _ in range(count):
        yield synthetic_name(pools, rng)


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

# Waves of arrests (start, end, weight): 2014 and 2017 protests, 2019, after the 2024 election.
ARREST_WAVES: tuple[tuple[datetime.date, datetime.date, float], ...] = (
    (datetime.date(2014, 2, 12), datetime.date(2014, 6, 30), 3.0),
    (datetime.date(2017, 4, 1), datetime.date(2017, 8, 15), 3.0),
    (datetime.date(2019, 1, 21), datetime.date(2019, 5, 31), 2.0),
    (datetime.date(2024, 7, 29), datetime.date(2024, 10, 31), 4.0),
    (FIRST_DATE, LAST_DATE, 4.0),
)
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


def _date_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max((last - first).days, 0)))


class HistoryMaker:
    def __init__(self, arrest_facilities: list[int], all_facilities: list[int]) -> None:
        self.arrest_facilities = arrest_facilities or all_facilities
        self.all_facilities = all_facilities
        self.wave_weights = list(itertools.accumulate(weight for *_, weight in ARREST_WAVES))

    def _first_arrest(self, rng: random.Random) -> datetime.date:
        pick = bisect.bisect_right(self.wave_weights, rng.random() * self.wave_weights[-1])
        first, last, _weight = ARREST_WAVES[min(pick, len(ARREST_WAVES) - 1)]
        return _date_between(rng, first, last)

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
        arrested = self._first_arrest(rng)
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
                    claim = ReleaseRow(_date_between(rng, arrested, LAST_DATE), "other", False, [])
                episodes.append(Episode(arrested, None, "", stays, claim))
                return episodes
            release = ReleaseRow(ends, rng.choice(RELEASE_KINDS), True, [])
            episodes.append(Episode(arrested, ends, EndReason.RELEASED, [], release))
            episodes[-1].stays = self._stays(rng, arrested, ends)
            if rng.random() < 0.12 and ends + datetime.timedelta(days=60) < LAST_DATE:
                arrested = _date_between(rng, ends + datetime.timedelta(days=30), LAST_DATE)
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
# COPY text format.

NULL = "\\N"


def _text(value: Any) -> str:
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list | tuple):
        return "{" + ",".join(value) + "}"
    return str(value)


def _line(values: Sequence[Any]) -> str:
    return "\t".join(_text(value) for value in values) + "\n"


PERSON_COLUMNS = (
    "id", "public_id", "slug", "given_names", "first_surname", "second_surname", "aliases",
    "display_name", "national_id_hash", "sex", "birth_date", "birth_year", "reported_as_minor",
    "nationalities", "categories", "public_summary", "public_summary_es", "public_summary_en",
    "record_state", "consent_basis", "consent_recorded_on", "verification_level",
    "last_verified_at", "current_status", "current_facility_id", "detained_since",
    "detained_since_precision", "minor_at_detention", "created_at", "updated_at",
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
# Columns that later migrations may add, with the value a new row gets.
OPTIONAL_PERSON_COLUMNS: dict[str, Any] = {"version": 1}
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
        extra_person_values: tuple[Any, ...] = (),
    ) -> None:
        self.rng = random.Random(seed)
        self.extra_person_values = extra_person_values
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
            consent_on = _date_between(rng, episodes[0].arrested_on, LAST_DATE)
            state = (RecordState.PUBLISHED, ConsentBasis.FAMILY, consent_on, "verified", self.now)
        else:
            state = (RecordState.DRAFT, ConsentBasis.NONE, None, "reported", None)
        batch.people.append(
            _line(
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
                    *self.extra_person_values,
                )
            )
        )
        for episode in episodes:
            detention_id = ids.detention()
            batch.detentions.append(
                _line(
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
                    _line(
                        (detention_id, stay.facility_id, stay.started_on, DAY, stay.ended_on, DAY)
                    )
                )
            release = episode.release
            if release is None:
                continue
            release_id = ids.release()
            verified_at = self.now if release.verified else None
            batch.releases.append(
                _line(
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
                    _line((release_id, kind, interval, "", starts_on, None, ""))
                )


# ---------------------------------------------------------------------------------------------


def _reserve_ids(cursor: Any, table: str, count: int) -> list[int]:
    if count == 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(raw_cursor: Any, table: str, columns: Sequence[str], lines: list[str]) -> None:
    if not lines:
        return
    with raw_cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        chunk = 2000
        for start in range(0, len(lines), chunk):
            copy.write("".join(lines[start : start + chunk]))


def _set_user_triggers(cursor: Any, *, enabled: bool) -> None:
    """Switch the user triggers of the loaded tables (name vocabulary, audit trail) on or off.

    Called at the start and at the end of the same transaction: ALTER TABLE is transactional,
    so other sessions never see the triggers off (their writes to these tables wait for the
    batch to commit), and a failed batch rolls the switch back with its rows.
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
            if not options["no_vacuum"]:
                self.vacuum()

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

    def _person_columns(self) -> tuple[list[str], tuple[Any, ...]]:
        """The person columns to load: the known ones plus those later migrations added."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, is_nullable = 'YES' OR column_default IS NOT NULL "
                "OR is_generated = 'ALWAYS' OR is_identity = 'YES' "
                "FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'registry_person'"
            )
            present = dict(cursor.fetchall())
        extra = [column for column in OPTIONAL_PERSON_COLUMNS if column in present]
        columns = [*PERSON_COLUMNS, *extra]
        unknown = sorted(c for c, optional in present.items() if not optional and c not in columns)
        if unknown:
            raise CommandError(f"No value for the new person columns {unknown}: teach me them.")
        return columns, tuple(OPTIONAL_PERSON_COLUMNS[column] for column in extra)

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
        person_columns, extra_values = self._person_columns()
        generator = Generator(
            seed=seed,
            facilities=self._facilities(),
            now=timezone.now(),
            extra_person_values=extra_values,
        )
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
            with connection.cursor() as cursor:
                return (
                    _reserve_ids(cursor, "registry_person", size),
                    _reserve_ids(cursor, "cases_detention", size * IDS_PER_PERSON),
                    _reserve_ids(cursor, "cases_release", size * IDS_PER_PERSON),
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
                    raw = connection.connection.cursor()
                    # People go in last, with the fields the status rules' set-based SQL
                    # derives from their episodes (cases.status).
                    staging = people_staging_create()
                    _copy(raw, staging, person_columns, batch.people)
                    _copy(raw, "cases_detention", DETENTION_COLUMNS, batch.detentions)
                    _copy(raw, "cases_custodystay", STAY_COLUMNS, batch.stays)
                    _copy(raw, "cases_release", RELEASE_COLUMNS, batch.releases)
                    _copy(raw, "cases_releasecondition", CONDITION_COLUMNS, batch.conditions)
                    people_insert_staged(columns=person_columns)
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
        tables = (
            "registry_person",
            "registry_nametoken",
            "cases_detention",
            "cases_custodystay",
            "cases_release",
            "cases_releasecondition",
        )
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        self.stdout.write(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s.")
