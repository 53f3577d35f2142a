"""Celery tasks: thin, idempotent wrappers over imports.services (DESIGN §5.10).

A task delivered twice, or late, does nothing once its job is past the state it works on.
"""

from celery import shared_task
from django.contrib.auth import get_user_model

from imports import services
from imports.models import ImportJob, ImportState


@shared_task(acks_late=True, max_retries=3)
def validate_import(job_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in (ImportState.PENDING, ImportState.VALIDATING):
        return "skipped"
    return services.import_validate(job=job).state


@shared_task(acks_late=True, max_retries=3)
def commit_import(job_id: int, user_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in (ImportState.VALIDATED, ImportState.COMMITTING):
        return "skipped"
    if job.errors:
        return "skipped"
    by = get_user_model().objects.get(pk=user_id)
    return services.import_commit(job=job, by=by).state
