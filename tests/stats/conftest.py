import pytest

from stats import services


@pytest.fixture
def refresh():
    """Recompute the stored daily series (what Celery beat does every few minutes)."""

    def run() -> None:
        services.daily_figures_refresh()

    return run
