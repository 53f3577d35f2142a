"""Celery tasks: thin, idempotent wrappers over imports.services and imports.reconcile
(DESIGN §5.10).

A task delivered twice, or late, does nothing once its job is past the state it works on.
Acknowledged late: a worker killed mid-job leaves the message to be delivered again, and the
sweeper (every five minutes) queues a job whose worker died before that, or marks it failed.
"""

from celery import shared_task
from django.contrib.auth import get_user_model

from imports import reconcile, services
from imports.models import ImportJob, ImportKind, ImportState
from lib.retry import RetryingTask


@shared_task(base=RetryingTask, acks_late=True)
def validate_import(job_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in (ImportState.PENDING, ImportState.VALIDATING):
        return "skipped"
    if job.kind == ImportKind.RELEASE_LIST:
        return reconcile.list_match(job=job).state
    return services.import_validate(job=job).state


@shared_task(base=RetryingTask, acks_late=True)
def commit_import(job_id: int, user_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in (ImportState.VALIDATED, ImportState.COMMITTING):
        return "skipped"
    if job.errors:
        return "skipped"
    if job.kind == ImportKind.RELEASE_LIST:
        return reconcile.list_commit(job=job).state
    by = get_user_model().objects.get(pk=user_id)
    return services.import_commit(job=job, by=by).state


def queue_next_step(job: ImportJob) -> None:
    """Send the task that carries `job` on from its state."""
    if job.state in (ImportState.PENDING, ImportState.VALIDATING):
        validate_import.delay(job.pk)
    elif job.state == ImportState.COMMITTING and job.confirmed_by_id:
        commit_import.delay(job.pk, job.confirmed_by_id)


@shared_task(base=RetryingTask, acks_late=True)
def sweep_stale_imports() -> int:
    """Every few minutes (beat): queue again the jobs whose worker died."""
    retry = services.import_sweep()
    for job in retry:
        queue_next_step(job)
    return len(retry)
