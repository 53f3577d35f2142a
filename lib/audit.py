"""The audit trail (DESIGN §5.6, §8): every write to case data, however it is made.

django-pghistory installs PostgreSQL triggers, so ORM saves, queryset updates and raw SQL are
all recorded, with the request's user and URL (middleware) and a reason where a workflow asks
for one (`audit_reason`). Event tables are append-only: triggers refuse UPDATE and DELETE.
"""

import contextlib
import uuid
from collections.abc import Iterator

import pghistory
import pghistory.runtime


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
        with pghistory.context(reason=reason, **context):
            yield
        return
    tracker.value = pghistory.runtime.Context(
        id=uuid.uuid4(), metadata={**outer.metadata, "reason": reason, **context}
    )
    try:
        yield
    finally:
        tracker.value = outer
