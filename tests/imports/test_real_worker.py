"""An import end to end through a real Celery worker and the machine's Redis.

The worker is a separate process (`celery -A registry worker`) reading the test database; the
test sends the tasks through the broker, as production does. Skipped, with the reason, only when
no broker answers (CI sets CELERY_BROKER_URL; the default is the local Redis).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from cases.models import Detention
from imports.models import ImportState
from imports.tasks import commit_import, validate_import
from registry.celery import app as celery_app
from registry.models import Person, RecordState
from tests.conftest import make_staff
from tests.imports.conftest import csv_bytes, make_job, row

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
ROOT = Path(settings.BASE_DIR)


def broker_reachable() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
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


@pytest.fixture
def worker(settings, tmp_path):
    """A real worker on a queue of its own; tasks of this test go through the broker."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = tmp_path / "media"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "registry.settings",
    }
    process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "registry",
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
    previous = {
        key: celery_app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    celery_app.conf.update(task_always_eager=False, broker_url=BROKER, task_default_queue=queue)
    try:
        yield process
    finally:
        celery_app.conf.update(previous)
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output.decode(errors="replace")[-3000:])  # shown by pytest when the test fails


def wait_for(job, state: str, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == state:
            return
        time.sleep(0.3)
    raise AssertionError(f"job stayed {job.state!r}, expected {state!r}")


def test_an_import_runs_end_to_end_in_a_real_worker(worker, reference):
    documentalista = make_staff("worker_doc", "Documentalista")
    data = csv_bytes([row(first_surname="Trabajador"), row(first_surname="Colaborador")])
    job = make_job(data, user=documentalista)
    validate_import.delay(job.pk)
    wait_for(job, ImportState.VALIDATED)
    assert job.rows_total == 2 and job.errors == []
    commit_import.delay(job.pk, documentalista.pk)
    wait_for(job, ImportState.COMMITTED)
    people = Person.objects.filter(first_surname__in=["Trabajador", "Colaborador"])
    assert people.count() == 2
    assert set(people.values_list("record_state", flat=True)) == {RecordState.DRAFT}
    assert Detention.objects.filter(person__in=people).count() == 2
