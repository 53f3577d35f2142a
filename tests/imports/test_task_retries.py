"""Tasks try again after a transient database failure (lib/retry.py), here with real ones: the
server drops the task's connection, before the task or in the middle of a commit.

In-process (eager) runs, as in the other tests, Celery handles a retry in one of two ways. With
`task_eager_propagates` (our setting, so that a failing task fails its test), `.delay()` raises
Celery's `Retry` to the caller instead of trying again. `apply(throw=False)` runs Celery's own
eager retry loop: `RetryingTask.__call__` calls `retry()` and the retried signature is applied
at once (no countdown) on the same thread. These tests use that;
a worker sends the retry back through the broker instead (test_real_worker.py).
"""

import threading
import time

import pytest
from celery.signals import task_retry
from django.db import DEFAULT_DB_ALIAS, connection, connections

from config.celery import app as celery_app
from imports.models import ImportState
from imports.services import COMMIT_LOCK
from imports.tasks import commit_import, validate_import
from lib.retry import TRANSIENT_DATABASE_ERRORS, RetryingTask
from registry.models import Person
from tests.imports.conftest import csv_bytes, make_job, row, validated

# No test transaction around these tests: the connection it would live on is cut.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reconnect_afterwards():
    """A test that fails may leave the cut connection behind: the flush after it reconnects."""
    yield
    connection.close()


class Retries(list):
    messages: list[str]


@pytest.fixture
def retries():
    """(task, error, countdown) of every retry Celery schedules; their messages in `messages`."""
    seen, messages = Retries(), []

    def record(sender, reason, **kwargs):
        seen.append((sender.name, type(reason.exc), reason.when))
        messages.append(str(reason.exc))

    task_retry.connect(record)
    seen.messages = messages
    yield seen
    task_retry.disconnect(record)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def other_connection():
    """A connection of its own (another session), for the test to act on the server with."""
    return connections.create_connection(DEFAULT_DB_ALIAS)


def terminate(cursor, pid: int) -> None:
    cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits until it is gone


def test_a_task_whose_connection_the_server_dropped_runs_again_and_succeeds(
    documentalista, reference, retries
):
    job = make_job(csv_bytes([row()]))
    server = other_connection()
    with server.cursor() as cursor:
        terminate(cursor, backend_pid())  # as a restart or a failover does, between two tasks
    server.close()

    assert validate_import.apply((job.pk,), throw=False).get() == ImportState.VALIDATED
    [(task, error, countdown)] = retries
    assert task == "imports.tasks.validate_import"
    assert issubclass(error, TRANSIENT_DATABASE_ERRORS)
    assert countdown == 10  # a worker would wait that long first
    # Only the SQLSTATE of the server's message is kept: it can quote a row being written.
    assert retries.messages == ["transient database error (SQLSTATE 57P01)"]


def test_a_commit_cut_off_midway_runs_again_and_writes_each_row_once(
    documentalista, reference, retries
):
    job = validated(csv_bytes([row(), row(given_names="Luis", first_surname="Otro")]))
    assert job.can_commit
    pid = backend_pid()
    lock_held, cut = threading.Event(), threading.Event()

    def cut_the_commit_off():
        """Hold the job's commit lock, so that the commit waits for it, mid-transaction; then
        end the commit's session, as the server does when it shuts down, and let go."""
        server = other_connection()
        try:
            with server.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [COMMIT_LOCK, job.pk])
                lock_held.set()
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
                    )
                    if cursor.fetchone() == ("Lock",):
                        terminate(cursor, pid)
                        cut.set()
                        break
                    time.sleep(0.05)
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [COMMIT_LOCK, job.pk])
        finally:
            lock_held.set()
            server.close()

    cutter = threading.Thread(target=cut_the_commit_off)
    cutter.start()
    lock_held.wait()
    result = commit_import.apply((job.pk, documentalista.user.pk), throw=False).get()
    cutter.join()

    assert cut.is_set()
    assert [(task, issubclass(error, TRANSIENT_DATABASE_ERRORS)) for task, error, _ in retries] == [
        ("imports.tasks.commit_import", True)
    ]
    assert result == ImportState.COMMITTED
    job.refresh_from_db()
    assert job.state == ImportState.COMMITTED and not job.errors
    assert sorted(Person.objects.values_list("given_names", flat=True)) == ["Ana", "Luis"]


def test_every_task_of_ours_retries_on_transient_database_errors():
    celery_app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    ours = [task for name, task in celery_app.tasks.items() if not name.startswith("celery.")]
    assert {task.name for task in ours} >= {
        "cases.tasks.refresh_statuses_with_lapsed_conditions",
        "imports.tasks.validate_import",
        "imports.tasks.commit_import",
        "imports.tasks.sweep_stale_imports",
        "stats.tasks.refresh_daily_figures",
        "stats.tasks.freeze_previous_month",
    }
    for task in ours:
        assert isinstance(task, RetryingTask), task.name
        assert task.max_retries == 3 and not getattr(task, "autoretry_for", ())
