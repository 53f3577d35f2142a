"""The audit trail (DESIGN §5.6, §8): every write to case data, however it is made.

django-pghistory installs PostgreSQL triggers, so ORM saves, queryset updates and raw SQL are
all recorded, with the request's user and URL (middleware) and a reason where a workflow asks
for one (`audit_reason`). Event tables are append-only: triggers refuse UPDATE and DELETE.
"""

import contextlib
import uuid
from collections.abc import Iterator

import pghistory
import pghistory.middleware
import pghistory.runtime
from django.db import connection

# pghistory hands the context to PostgreSQL as transaction-local settings, which outlive the
# block that set them: a later write in the same transaction, outside any context, would be
# recorded as made in it, by its user. Emptied, they attach no context (pghistory ignores a
# SELECT, so this one is not given the context again).
FORGET_CONTEXT_SQL = (
    "SELECT set_config('pghistory.context_id', '', true), "
    "set_config('pghistory.context_metadata', '', true)"
)


def audited(**options):
    """Track inserts, updates and deletes of a model into `<Model>Audit`, append-only.

    The rows are reached from a record as `record.audit_rows`.
    """

    def decorate(model):
        return pghistory.track(
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            model_name=f"{model.__name__}Audit",
            obj_field=pghistory.ObjForeignKey(related_name="audit_rows"),
            **options,
        )(model)

    return decorate


def _forget_context() -> None:
    if connection.in_atomic_block:  # outside a transaction, each statement is its own
        with connection.cursor() as cursor:
            cursor.execute(FORGET_CONTEXT_SQL)


@contextlib.contextmanager
def audit_context(**metadata) -> Iterator[None]:
    """pghistory.context(), whose context ends with the block even inside a transaction."""
    outermost = getattr(pghistory.runtime._tracker, "value", None) is None
    with pghistory.context(**metadata):
        yield
    if outermost:
        _forget_context()


class AuditMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's (each write of a request carries its user and URL), ending the request's
    context with the request when a transaction spans several (as in the tests)."""

    def __call__(self, request):
        response = super().__call__(request)
        _forget_context()
        return response


@contextlib.contextmanager
def audit_reason(reason: str, **context) -> Iterator[None]:
    """Attach a reason (and any other facts, e.g. `transition=`) to every audit row written
    inside the block, and to those rows only.

    pghistory keeps one context per request and merges a nested context's metadata into it, so
    an edit and a workflow step made in the same request would share one context row, whose
    metadata is the last one written: the edit would read as the workflow step (and the
    two-person rule, cases/rules.py, skips workflow steps). So a block opened inside another
    context gets a context of its own, with the outer metadata (user, URL) and its own.
    """
    tracker = pghistory.runtime._tracker
    outer = getattr(tracker, "value", None)
    if outer is None:
        with audit_context(reason=reason, **context):
            yield
        return
    tracker.value = pghistory.runtime.Context(
        id=uuid.uuid4(), metadata={**outer.metadata, "reason": reason, **context}
    )
    try:
        yield
    finally:
        tracker.value = outer
