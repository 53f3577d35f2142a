"""The audit trail (DESIGN §5.6, §8): every write to case data, however it is made.

django-pghistory installs PostgreSQL triggers, so ORM saves, queryset updates and raw SQL are
all recorded, with the request's user and URL (middleware) and a reason where a workflow asks
for one (`audit_reason`). Event tables are append-only: triggers refuse UPDATE and DELETE.
"""

import contextlib
from collections.abc import Iterator

import pghistory


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
    """Attach a reason (and any other facts) to every audit row written inside the block."""
    with pghistory.context(reason=reason, **context):
        yield
