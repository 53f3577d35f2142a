"""The query variants of a person's name that the name search must find them by (DESIGN §7),
for `bench_search` and the search recall test.

Six variants: the exact full name, the name without accents, one typo in a surname
(substitution, insertion, deletion or transposition of neighbours, at any position), the
surnames swapped, the second surname missing, and a partial name (the given names and the start
of the first surname, as someone still typing). DESIGN §7 sets the recall target on four of
them (TARGET_VARIANTS).
"""

from __future__ import annotations

import dataclasses
import random
import string

from bench.names import plain

EXACT = "exact"
NO_ACCENTS = "no_accents"
TYPO = "typo"
SWAPPED = "swapped"
NO_SECOND_SURNAME = "no_second_surname"
PARTIAL = "partial"
VARIANTS: dict[str, str] = {
    EXACT: "exact full name",
    NO_ACCENTS: "accents dropped",
    TYPO: "one typo (surname)",
    SWAPPED: "surnames swapped",
    NO_SECOND_SURNAME: "2nd surname missing",
    PARTIAL: "partial (typing)",
}
# The variants DESIGN §7 sets the recall target on.
TARGET_VARIANTS = (NO_ACCENTS, TYPO, SWAPPED, NO_SECOND_SURNAME)
MIN_TYPO_WORD = 5

SUBSTITUTION, INSERTION, DELETION, TRANSPOSITION = "sub", "ins", "del", "swap"
TYPO_KINDS = (SUBSTITUTION, INSERTION, DELETION, TRANSPOSITION)


def one_typo(word: str, rng: random.Random, kind: str | None = None) -> str:
    """`word` with one substitution, insertion, deletion or transposition of adjacent letters,
    at any position, that changes the word even once accents and case are ignored."""
    letters = string.ascii_lowercase
    lower = word.lower()
    for _attempt in range(50):
        chosen = kind or rng.choice(TYPO_KINDS)
        if chosen == SUBSTITUTION:
            at = rng.randrange(len(lower))
            result = lower[:at] + rng.choice(letters) + lower[at + 1 :]
        elif chosen == INSERTION:
            at = rng.randrange(1, len(lower) + 1)
            result = lower[:at] + rng.choice(letters) + lower[at:]
        elif chosen == DELETION:
            at = rng.randrange(len(lower))
            result = lower[:at] + lower[at + 1 :]
        else:
            at = rng.randrange(len(lower) - 1)
            result = lower[:at] + lower[at + 1] + lower[at] + lower[at + 2 :]
        if plain(result) != plain(word):
            return result[:1].upper() + result[1:] if word[:1].isupper() else result
    raise ValueError(f"No typo changes {word!r}")


@dataclasses.dataclass(frozen=True)
class Variant:
    kind: str
    text: str
    # The query as it would be without the typo, and whether its last word is a prefix: the
    # words every intended match carries (to tell clear queries from ambiguous ones).
    correct_text: str
    prefix: bool = False


def name_variants(
    given_names: str, first_surname: str, second_surname: str, rng: random.Random
) -> list[Variant]:
    """The query variants of one person's name (variants that do not apply are left out)."""
    full = " ".join(part for part in (given_names, first_surname, second_surname) if part)
    variants = [Variant(EXACT, full, full), Variant(NO_ACCENTS, plain(full), plain(full))]

    # One typo in a surname word of 5 letters or more (in a given name if no surname has one).
    parts = [given_names, first_surname, second_surname]
    candidates = [(index, w) for index in (1, 2) for w in parts[index].split()]
    long_words = [(index, w) for index, w in candidates if len(w) >= MIN_TYPO_WORD]
    if not long_words:
        long_words = [(0, w) for w in given_names.split() if len(w) >= MIN_TYPO_WORD]
    if long_words:
        index, word = rng.choice(long_words)
        typo = one_typo(word, rng)
        parts[index] = " ".join(typo if w == word else w for w in parts[index].split())
        variants.append(Variant(TYPO, " ".join(part for part in parts if part), full))

    if second_surname:
        swapped = f"{given_names} {second_surname} {first_surname}"
        variants.append(Variant(SWAPPED, swapped, swapped))
        shorter = f"{given_names} {first_surname}"
        variants.append(Variant(NO_SECOND_SURNAME, shorter, shorter))

    first_word = first_surname.split()[0]
    if len(plain(first_word)) >= 4:
        keep = max(3, min(len(first_word) - 1, (len(first_word) + 1) // 2))
        partial = f"{given_names} {first_word[:keep]}"
        variants.append(Variant(PARTIAL, partial, partial, prefix=True))
    return variants
