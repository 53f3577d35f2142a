"""Work that failed for a passing reason is tried again: which database errors pass, and the
Celery task base that retries on them.

A lost connection (the server restarted, a failover, a network cut), a deadlock or a
serialisation failure is an OperationalError or an InterfaceError; a refused row
(IntegrityError, DataError) is not, and trying it again would fail the same way.
"""

from celery import Task
from django.db import InterfaceError, OperationalError, connections

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


class RetryingTask(Task):
    """A task that, failing on a transient database error, runs again up to three times,
    after 10, 20 and 40 seconds (a restarted PostgreSQL is back well within that). Its work
    must be idempotent: an attempt that failed may have done part of it."""

    autoretry_for = TRANSIENT_DATABASE_ERRORS
    max_retries = 3
    retry_backoff = 10
    retry_backoff_max = 60
    # Few tasks run at once here (beat schedules, one import at a time): no crowd to spread out,
    # and a random delay could spend all three attempts within seconds of an outage.
    retry_jitter = False

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        # A worker starts each task on a new connection; a task run in-process (eager, with no
        # broker) does not, and would try again on the connection the server dropped.
        if isinstance(exc, TRANSIENT_DATABASE_ERRORS):
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:
                    connection.close()
