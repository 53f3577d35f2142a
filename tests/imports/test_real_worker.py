"""An import end to end through a real Celery worker and the machine's Redis.

The worker is a separate process (`celery -A config worker`) reading the test database; the
test sends the tasks through the broker, as production does. Skipped, with the reason, only when
no broker answers (CI sets CELERY_BROKER_URL; the default is the local Redis).
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.models import Detention
from config.celery import app as celery_app
from imports import services
from imports.models import ImportJob, ImportState
from imports.services import COMMIT_LOCK
from imports.tasks import commit_import, queue_next_step, validate_import
from registry.models import Person, RecordState
from tests.imports.conftest import csv_bytes, make_job, row

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
ROOT = Path(settings.BASE_DIR)


def broker_reachable() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not broker_reachable(), reason=f"no Celery broker answers at {BROKER}"),
]


def database_url() -> str:
    """The test database, as the worker process must reach it."""
    db = connection.settings_dict
    socket_dir = db["OPTIONS"].get("host") or (db["HOST"] if db["HOST"].startswith("/") else "")
    if socket_dir:
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={socket_dir}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def forget_broker_connections() -> None:
    """Celery keeps its connection pools on first use: made for another broker (the default
    one, when the environment names none), they would send this test's tasks elsewhere."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def start_worker(settings, tmp_path):
    """Starts real workers on a queue of their own; tasks of this test go through the broker."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = tmp_path / "media"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    processes = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    previous = {
        key: celery_app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    celery_app.conf.update(task_always_eager=False, broker_url=BROKER, task_default_queue=queue)
    forget_broker_connections()
    try:
        yield start
    finally:
        celery_app.conf.update(previous)
        forget_broker_connections()
        for process in processes:
            process.terminate()
            try:
                output, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            print(output.decode(errors="replace")[-3000:])  # shown by pytest when a test fails


@pytest.fixture
def worker(start_worker):
    return start_worker()


def wait_for(job, state: str, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == state:
            return
        time.sleep(0.3)
    raise AssertionError(f"job stayed {job.state!r}, expected {state!r}")


def test_an_import_runs_end_to_end_in_a_real_worker(worker, reference, documentalista):
    user = documentalista.user
    data = csv_bytes([row(first_surname="Trabajador"), row(first_surname="Colaborador")])
    job = make_job(data, user=user)
    validate_import.delay(job.pk)
    wait_for(job, ImportState.VALIDATED)
    assert job.rows_total == 2 and job.errors == []
    commit_import.delay(job.pk, user.pk)
    wait_for(job, ImportState.COMMITTED)
    people = Person.objects.filter(first_surname__in=["Trabajador", "Colaborador"])
    assert people.count() == 2
    assert set(people.values_list("record_state", flat=True)) == {RecordState.DRAFT}
    assert Detention.objects.filter(person__in=people).count() == 2


def wait_until(condition, timeout: float = 150, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_commit_writes_nothing_and_the_job_is_retried(
    start_worker, reference, documentalista
):
    """SIGKILL while the single transaction is half done: nothing is visible, the sweeper hands
    the job to a new worker, and every row is then written exactly once."""
    user = documentalista.user
    rows = [row(given_names=f"Persona {n}", first_surname="Interrumpida") for n in range(10_000)]
    job = make_job(csv_bytes(rows), user=user)
    services.import_validate(job=job)  # in this process: the worker is for the commit
    job.refresh_from_db()
    assert job.can_commit, job.errors[:3]
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.COMMITTING, confirmed_by=user)

    first = start_worker()
    commit_import.delay(job.pk, user.pk)
    # Progress is written through its own connection, so it shows mid-transaction.
    wait_until(lambda: ImportJob.objects.get(pk=job.pk).rows_done >= 1000, what="commit progress")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=20)

    job.refresh_from_db()
    assert job.state == ImportState.COMMITTING and job.rows_done > 0
    people = Person.objects.filter(first_surname="Interrumpida")
    assert people.count() == 0  # the half-done transaction died with its connection

    retry = services.import_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    assert [j.pk for j in retry] == [job.pk]
    queue_next_step(retry[0])
    start_worker()
    wait_for(job, ImportState.COMMITTED)
    assert job.attempts == 2
    assert people.count() == 10_000
    assert Detention.objects.filter(person__in=people).count() == 10_000


def test_a_commit_cut_off_by_the_database_is_tried_again_by_the_worker(
    worker, reference, documentalista
):
    """The server ends the commit's session mid-transaction, as a restart does: the worker sends
    the task back through the broker, runs it again 10 seconds later on a new connection
    (lib/retry.py), and every row is written once."""
    user = documentalista.user
    rows = [row(first_surname="Cortada"), row(given_names="Luis", first_surname="Cortada")]
    job = make_job(csv_bytes(rows), user=user)
    services.import_validate(job=job)  # in this process: the worker is for the commit
    job.refresh_from_db()
    assert job.can_commit, job.errors[:3]

    # This test's session holds the job's commit lock, so the commit waits for it mid-transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [COMMIT_LOCK, job.pk])
    commit_import.delay(job.pk, user.pk)

    def waiting_commit():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND query LIKE %s",
                ["%pg_advisory_xact_lock%"],
            )
            return cursor.fetchone()

    wait_until(waiting_commit, what="the commit waiting for its lock")
    [pid] = waiting_commit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [COMMIT_LOCK, job.pk])
    cut_at = time.monotonic()

    wait_for(job, ImportState.COMMITTED)
    assert time.monotonic() - cut_at >= 9  # the retry waited its countdown
    assert job.attempts == 3  # checked once, committed twice
    assert not job.errors
    assert Person.objects.filter(first_surname="Cortada").count() == 2
