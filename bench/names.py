"""Synthetic Venezuelan names, for the generator, the benchmarks and the search recall test.

Names are Venezuelan in shape: one or two given names (a long-tailed pool with the accented
and the typically Venezuelan ones: José, Jesús, Yusmary, Wuilmer...) and two surnames drawn
with a Zipf-like weighting from a few hundred real Hispanic surnames followed by thousands of
generated ones (Spanish, Basque-like and indigenous-like word shapes), so that the name
distribution has the long tail that makes search recall meaningful: a few very common
surnames, thousands of rare ones. The long tail comes from its own fixed seed: it is the same
whatever seed draws the names.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence

from registry.models import Sex

LONG_TAIL_SEED = 20140212
LONG_TAIL_SURNAMES = 6000

# Pools, most frequent first (the order gives the Zipf rank).

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


def plain(text: str) -> str:
    """`Núñez` -> `nunez`: accents and capitals ignored."""
    return strip_accents(text).lower()


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


def synthetic_names(count: int, *, seed: int) -> Iterator[SyntheticName]:
    """`count` names drawn as generate_people draws them, from a generator of their own."""
    pools = NamePools()
    rng = random.Random(seed)
    for _ in range(count):
        yield synthetic_name(pools, rng)
