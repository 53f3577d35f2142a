"""Celery tasks: thin, idempotent wrappers over services (DESIGN §5.10)."""

from celery import shared_task

from cases import services
from lib.retry import RetryingTask


@shared_task(base=RetryingTask, acks_late=True)
def refresh_statuses_with_lapsed_conditions() -> int:
    """Daily: statuses that change with the calendar (release conditions ending or starting)."""
    return services.refresh_statuses_with_lapsed_conditions()
