"""Reading the approved projection (docs/publication.md).

The tables that hold a person's case (registry_person and the case tables of cases/) exist
twice: the working tables, in PostgreSQL's `public` schema, that staff edit; and their approved
copies, in the `approved` schema, written only when a second person approves a version
(cases/projection.py). Every other table exists once, in `public`.

Inside `reading_approved()` the connection's search path is `approved, public`: the same ORM
queries, raw SQL and indexes then read the approved copies of the projected tables, and
everything else (facilities, sessions, API keys, statistics, submissions) as usual. Public
requests run inside it (public/middleware.py), and so do the tasks that compute public figures.

The approved tables are written only with schema-qualified SQL (`approved_table`), never through
the search path.
"""

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connection
from django.db.backends.signals import connection_created

SCHEMA = "approved"
_DEPTH = "_registro_approved_depth"


def approved_table(table: str) -> str:
    """The approved copy of `table`, schema-qualified and quoted, for SQL that writes it."""
    return f"{connection.ops.quote_name(SCHEMA)}.{connection.ops.quote_name(table)}"


def is_reading_approved() -> bool:
    return getattr(connection, _DEPTH, 0) > 0


@contextlib.contextmanager
def reading_approved() -> Iterator[None]:
    """Read the approved copies of the projected tables for the duration of the block.

    Nested blocks are fine. The search path returns to the session's default at the end; a
    SET inside a transaction that rolls back is undone by PostgreSQL itself.
    """
    depth = getattr(connection, _DEPTH, 0)
    setattr(connection, _DEPTH, depth + 1)
    if depth == 0:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {SCHEMA}, public")
    try:
        yield
    finally:
        setattr(connection, _DEPTH, depth)
        # In a failed transaction the rollback to come undoes the SET by itself.
        if depth == 0 and connection.connection is not None and not _failed():
            with connection.cursor() as cursor:
                cursor.execute("RESET search_path")


def _keep_reading_approved(sender, connection, **kwargs) -> None:
    """A connection opened again inside a block (after a dropped one) reads approved too."""
    if getattr(connection, _DEPTH, 0) > 0:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {SCHEMA}, public")


connection_created.connect(_keep_reading_approved)


def _failed() -> bool:
    status = connection.connection.info.transaction_status
    return connection.needs_rollback or status == psycopg.pq.TransactionStatus.INERROR
