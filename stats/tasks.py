"""Celery tasks: thin, idempotent wrappers over services (DESIGN §5.10)."""

from celery import shared_task

from lib.retry import RetryingTask
from stats import services


@shared_task(base=RetryingTask, acks_late=True)
def refresh_daily_figures() -> int:
    """Every few minutes: recompute the stored daily series (the whole table, atomically)."""
    return services.daily_figures_refresh()


@shared_task(base=RetryingTask, acks_late=True)
def freeze_previous_month() -> str:
    """Several times a day: freeze last month's figures once; later runs change nothing."""
    return str(services.previous_month_freeze().snapshot)
