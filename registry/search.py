"""Name search built for Spanish names at a million records (DESIGN §6, §7).

Each person has a stored, generated `search_name` (lower case, accents and punctuation removed)
and its `search_vector`. Every distinct word of those names is kept in `NameToken`, a small
vocabulary table maintained by a database trigger. A query is normalised by PostgreSQL with the
same expression; each query word is matched exactly *or* against its close spellings in the
vocabulary (trigram similarity), the last word also as a prefix (search as you type); all words
must match (order free, so swapped or missing surnames still match) through the GIN index on
`search_vector`; results are ranked by trigram similarity of the whole name.
"""

from __future__ import annotations

from typing import NamedTuple

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, transaction
from django.db.models import F, FloatField, Func, QuerySet, TextField, Value

# Typo tolerance: vocabulary words within a small edit distance of a query word stand in for
# it. Trigram similarity (GIN index) finds the candidates; its threshold is low because one
# typo in a short word leaves few shared trigrams ("yultez"/"yultze" share 40 %); the
# Levenshtein distance narrows them in SQL, and an edit distance that counts swapping two
# neighbouring letters as one typo keeps real near-misses only: one typo, two in long words.
CANDIDATE_SIMILARITY = 0.2
LONG_WORD = 7
CORRECTIONS_PER_WORD = 6
# Words shorter than this are matched exactly (trigrams of very short words say little).
MIN_CORRECTED_LENGTH = 4
MIN_PREFIX_LENGTH = 3
# A vague query ("José") can match a large share of a million people: rank a bounded set.
MAX_CANDIDATES = 2000
MAX_QUERY_WORDS = 8
MIN_QUERY_LENGTH = 3
MAX_QUERY_LENGTH = 200

NORMALISE_SQL = "trim(regexp_replace(lower(registro_unaccent({})), '[^a-z0-9]+', ' ', 'g'))"


class SearchNormalised(Func):
    """The search form of a text: lower case, no accents, words separated by single spaces."""

    template = NORMALISE_SQL.format("%(expressions)s")
    output_field = TextField()


class SimpleTsvector(Func):
    """to_tsvector with an explicit configuration, which makes it IMMUTABLE."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


class TrigramSimilarityTo(Func):
    function = "similarity"
    output_field = FloatField()


def normalise(text: str) -> list[str]:
    """The words of `text` in search form, as PostgreSQL computes them for stored names."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + NORMALISE_SQL.format("%s"), [text])
        normalised = cursor.fetchone()[0] or ""
    return normalised.split()[:MAX_QUERY_WORDS]


def normalise_many(texts: list[str]) -> list[str]:
    """The search form of each text, in one round trip (bulk imports)."""
    if not texts:
        return []
    with connection.cursor() as cursor:
        sql = NORMALISE_SQL.format("t.text")
        cursor.execute(
            f"SELECT {sql} FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, position) "  # noqa: S608 - constant SQL
            "ORDER BY position",
            [texts],
        )
        return [row[0] or "" for row in cursor.fetchall()]


class PreparedQuery(NamedTuple):
    words: list[str]  # in search form, at most MAX_QUERY_WORDS
    corrections: dict[int, list[str]]  # by word position: close spellings, best first


def prepare_query(text: str) -> PreparedQuery:
    """What `search_names` finds before it looks for people: the words of `text` in search form
    and their close spellings in the vocabulary (its first two round trips)."""
    words = normalise(text[:MAX_QUERY_LENGTH])
    return PreparedQuery(words, _corrections(words))


def corrections_of(words: list[str]) -> dict[str, list[str]]:
    """Close spellings in the vocabulary of each word (in search form), as search would try."""
    found = _corrections(words)
    return {words[position]: near for position, near in found.items()}


def _corrections(words: list[str]) -> dict[int, list[str]]:
    """Close spellings of each query word found in the vocabulary, best first."""
    long_words = [(i, w) for i, w in enumerate(words) if len(w) >= MIN_CORRECTED_LENGTH]
    if not long_words:
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
            [str(CANDIDATE_SIMILARITY)],
        )
        cursor.execute(
            """
            SELECT q.position, t.token
            FROM unnest(%s::int[], %s::text[]) AS q(position, word)
            CROSS JOIN LATERAL (
                SELECT token, levenshtein(token, q.word) AS distance
                FROM registry_nametoken
                WHERE token %% q.word
                ORDER BY distance, similarity(token, q.word) DESC, token
                LIMIT %s
            ) AS t
            WHERE t.distance <= 2
            """,
            [
                [i for i, _w in long_words],
                [w for _i, w in long_words],
                CORRECTIONS_PER_WORD * 2,
            ],
        )
        found: dict[int, list[str]] = {}
        for position, token in cursor.fetchall():
            word = words[position]
            allowed = 2 if len(word) >= LONG_WORD else 1
            near = found.setdefault(position, [])
            if len(near) < CORRECTIONS_PER_WORD and edit_distance(token, word) <= allowed:
                near.append(token)
    return found


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`."""
    previous_row: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]


def _tsquery(words: list[str], corrections: dict[int, list[str]], *, prefix_last: bool) -> str:
    groups = []
    for position, word in enumerate(words):
        alternatives = {word, *corrections.get(position, [])}
        terms = [f"'{term}'" for term in sorted(alternatives)]
        if prefix_last and position == len(words) - 1 and len(word) >= MIN_PREFIX_LENGTH:
            terms.append(f"'{word}':*")
        groups.append("(" + " | ".join(terms) + ")")
    return " & ".join(groups)


def search_names(queryset: QuerySet, text: str, *, limit: int = 20, prefix_last: bool = True):
    """People of `queryset` whose name matches `text`, closest first (at most `limit`).

    `queryset` decides who may be found: public callers pass `Person.objects.published()`.
    """
    words, corrections = prepare_query(text)
    if not words:
        return queryset.none()
    # Words are [a-z0-9] only after normalisation, so quoting them in a tsquery is safe.
    query = _tsquery(words, corrections, prefix_last=prefix_last)
    candidates = (
        queryset.filter(search_vector=SearchQuery(query, search_type="raw", config="simple"))
        .order_by()
        .values("pk")[:MAX_CANDIDATES]
    )  # no sort: any capped subset is ranked below
    return (
        queryset.filter(pk__in=candidates)
        .annotate(closeness=TrigramSimilarityTo(F("search_name"), Value(" ".join(words))))
        .order_by("-closeness", "pk")[:limit]
    )
