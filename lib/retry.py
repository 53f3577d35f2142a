"""Work that failed for a passing reason is tried again: which database errors pass, and the
Celery task base that retries on them.

A lost connection (the server restarted, a failover, a network cut), a deadlock or a
serialisation failure is an OperationalError or an InterfaceError; a refused row
(IntegrityError, DataError) is not, and trying it again would fail the same way.
"""

from celery import Task
from django.db import InterfaceError, OperationalError, connections

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


class TransientDatabaseError(OperationalError):
    """What is retried, and logged, of a transient database error: its SQLSTATE alone. The
    server's own message can quote the row being written (`CONTEXT: COPY registry_person,
    line 3: "…"`), private data that must never reach a log."""

    @classmethod
    def of(cls, error: Exception) -> "TransientDatabaseError":
        sqlstate = getattr(error.__cause__, "sqlstate", None) or getattr(error, "sqlstate", None)
        return cls(f"transient database error (SQLSTATE {sqlstate or 'unknown'})")


def _close_idle_connections() -> None:
    # A worker starts each task on a new connection; a task run in-process (eager, with no
    # broker) does not, and would try again on the connection the server dropped.
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class RetryingTask(Task):
    """A task that, failing on a transient database error, runs again up to three times,
    after 10, 20 and 40 seconds (a restarted PostgreSQL is back well within that). Its work
    must be idempotent: an attempt that failed may have done part of it.

    Not Celery's `autoretry_for`: it retries with the error itself, message and all, which the
    worker logs, and chains it to everything raised after it."""

    max_retries = 3
    retry_backoff = 10
    retry_backoff_max = 60
    # Few tasks run at once here (beat schedules, one import at a time): no crowd to spread out,
    # and a random delay could spend all three attempts within seconds of an outage.

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except TRANSIENT_DATABASE_ERRORS as error:
            transient = TransientDatabaseError.of(error)
        # Out of the `except`: nothing raised from here on carries the original error along.
        _close_idle_connections()
        countdown = min(self.retry_backoff * 2**self.request.retries, self.retry_backoff_max)
        raise self.retry(exc=transient, countdown=countdown)
