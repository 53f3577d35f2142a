"""Batched look-ups of an imported file against the registry: a few queries per file, not per row.

- `existing_people`: the person each row describes, when already in the registry (same cédula,
  or same given names, surnames and arrest date): such a row updates that record or changes
  nothing, which makes importing the same file twice harmless.
- `likely_duplicates_of`: for the other rows, records that may be the same person (the same
  first given name and first surname, typo-tolerant as the search is; or the same birth date
  and a surname in common), listed in the preview for staff to compare.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection

from imports.cleaning import NAME_FIELDS, CleanRow
from registry.models import NameToken, Person
from registry.search import MIN_CORRECTED_LENGTH, NORMALISE_SQL, corrections_of, normalise_many

MAX_CANDIDATES = 5
CHUNK = 5000

EXISTING_BY_NAMES_SQL = """
SELECT r.number, min(p.id)
FROM unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::date[]) AS r(number, g, f, s, a)
JOIN registry_person p
    ON upper(p.given_names) = upper(r.g)
    AND upper(p.first_surname) = upper(r.f)
    AND upper(p.second_surname) = upper(r.s)
JOIN cases_detention d ON d.person_id = p.id AND d.arrested_on = r.a
GROUP BY r.number
"""

SAME_NAME_KEY_SQL = f"""
SELECT k.g, k.s, p.id
FROM unnest(%s::text[], %s::text[]) AS k(g, s)
JOIN registry_person p
    ON split_part(p.search_name, ' ', 1) = k.g
    AND {NORMALISE_SQL.format("p.first_surname")} = k.s
"""  # noqa: S608 - NORMALISE_SQL is a constant expression

SAME_BIRTH_DATE_SQL = """
SELECT r.number, p.id
FROM unnest(%s::int[], %s::date[], %s::text[]) AS r(number, born, surname)
JOIN registry_person p
    ON p.birth_date = r.born
    AND (upper(p.first_surname) = upper(r.surname) OR upper(p.second_surname) = upper(r.surname))
"""


def _batched(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _query(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def existing_people(rows: Sequence[CleanRow]) -> dict[int, int]:
    """Row number → primary key of the person already in the registry, where there is one."""
    by_hash: dict[str, int] = {}
    hashes = sorted({row.national_id_hash for row in rows if row.national_id_hash})
    for chunk in _batched(hashes):
        found = Person.objects.filter(national_id_hash__in=chunk).order_by("pk")
        for pk, digest in found.values_list("pk", "national_id_hash"):
            by_hash.setdefault(digest, pk)
    existing = {
        row.number: by_hash[row.national_id_hash] for row in rows if row.national_id_hash in by_hash
    }
    rest = [row for row in rows if row.number not in existing]
    for chunk in _batched(rest):
        params = [
            [row.number for row in chunk],
            *([row.person[field] for row in chunk] for field in NAME_FIELDS),
            [row.detention["arrested_on"] for row in chunk],
        ]
        existing.update(dict(_query(EXISTING_BY_NAMES_SQL, params)))
    return existing


def _spellings(words: set[str]) -> dict[str, list[str]]:
    """Each word, and its close spellings in the name vocabulary when the registry does not know
    the word as written (a word it knows is taken as written: no file-wide typo search)."""
    correctable = sorted(w for w in words if len(w) >= MIN_CORRECTED_LENGTH and " " not in w)
    known: set[str] = set()
    for chunk in _batched(correctable):
        known.update(NameToken.objects.filter(token__in=chunk).values_list("token", flat=True))
    unknown = [w for w in correctable if w not in known]
    near: dict[str, list[str]] = {}
    for chunk in _batched(unknown, 500):
        near.update(corrections_of(list(chunk)))
    return {word: [word, *near.get(word, [])] for word in words}


def likely_duplicates_of(rows: Sequence[CleanRow]) -> dict[int, list[dict]]:
    """Row number → up to five records that may be the same person ({pk, name}), closest first."""
    if not rows:
        return {}
    texts = normalise_many(
        [text for row in rows for text in (row.person["given_names"], row.person["first_surname"])]
    )
    keys: dict[int, tuple[str, str]] = {}
    for row, given, surname in zip(rows, texts[::2], texts[1::2], strict=True):
        if given and surname:
            keys[row.number] = (given.split()[0], surname)
    spellings = _spellings({word for key in keys.values() for word in key})
    rows_by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, (given, surname) in keys.items():
        for pair in itertools.product(spellings[given], spellings[surname]):
            rows_by_key[pair].append(number)

    # (rank, pk): spelled as in the row first, then typo-corrected, then by birth date.
    candidates: dict[int, list[tuple[int, int]]] = defaultdict(list)
    pairs = sorted(rows_by_key)
    for chunk in _batched(pairs):
        params = [[g for g, _s in chunk], [s for _g, s in chunk]]
        for given, surname, pk in _query(SAME_NAME_KEY_SQL, params):
            for number in rows_by_key[(given, surname)]:
                candidates[number].append((0 if keys[number] == (given, surname) else 1, pk))

    born = [row for row in rows if row.person.get("birth_date")]
    for chunk in _batched(born):
        params = [
            [row.number for row in chunk],
            [row.person["birth_date"] for row in chunk],
            [row.person["first_surname"] for row in chunk],
        ]
        for number, pk in _query(SAME_BIRTH_DATE_SQL, params):
            candidates[number].append((2, pk))

    wanted = {
        number: list(dict.fromkeys(pk for _rank, pk in sorted(found)))[:MAX_CANDIDATES]
        for number, found in candidates.items()
    }
    names = {}
    all_pks = sorted({pk for pks in wanted.values() for pk in pks})
    for chunk in _batched(all_pks):
        for person in Person.objects.filter(pk__in=chunk).only(
            "given_names", "first_surname", "second_surname", "display_name"
        ):
            names[person.pk] = person.name
    return {
        number: [{"pk": pk, "name": names[pk]} for pk in pks]
        for number, pks in sorted(wanted.items())
        if pks
    }
