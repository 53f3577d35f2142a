"""Likely duplicates of a record being entered: similar name, same cédula, same birth date."""

import datetime

from django.db.models import Q

from lib.national_id import looks_like_national_id, national_id_hash
from registry.models import Person
from registry.search import search_names

MAX_CANDIDATES = 5


def likely_duplicates(
    *,
    given_names: str,
    first_surname: str,
    second_surname: str = "",
    national_id: str | None = None,
    birth_date: datetime.date | None = None,
    exclude_pk: int | None = None,
) -> list[Person]:
    """Every staff-visible record that may be the same person, closest first."""
    others = Person.objects.exclude(pk=exclude_pk) if exclude_pk else Person.objects.all()
    found: dict[int, Person] = {}
    if national_id and looks_like_national_id(national_id):
        for person in others.filter(national_id_hash=national_id_hash(national_id))[
            :MAX_CANDIDATES
        ]:
            found[person.pk] = person
    first_given = (given_names or "").split()[:1]
    if first_given and first_surname:
        # The first given name and first surname (each typo-tolerant): a missing second
        # surname or second given name must not hide a duplicate. Closest first.
        query = " ".join([*first_given, first_surname])
        for person in search_names(others, query, limit=MAX_CANDIDATES, prefix_last=False):
            found.setdefault(person.pk, person)
    if birth_date and first_surname:
        same_birth = others.filter(
            Q(birth_date=birth_date),
            Q(first_surname__iexact=first_surname) | Q(second_surname__iexact=first_surname),
        )
        for person in same_birth[:MAX_CANDIDATES]:
            found.setdefault(person.pk, person)
    return list(found.values())[:MAX_CANDIDATES]
