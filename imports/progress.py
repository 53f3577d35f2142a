"""Progress of a job, written where the staff page can see it while the job is still working.

The commit writes every row inside one transaction (all or nothing), so a progress figure saved
through the same connection would stay invisible until the end. `Progress` writes it through a
connection of its own, in autocommit mode; the job's row is never locked by the commit (it
takes an advisory lock instead), so the two never wait for each other.
"""

import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from imports.models import ImportJob


class Progress:
    """Call with the number of rows done; it writes at most every `interval` seconds."""

    def __init__(self, job: ImportJob, *, total: int, interval: float = 0.5):
        self.job_id = job.pk
        self.total = total
        self.interval = interval
        self._last = 0.0
        self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self._write(0)

    def __call__(self, done: int) -> None:
        if done >= self.total or time.monotonic() - self._last >= self.interval:
            self._write(done)

    def _write(self, done: int) -> None:
        self._last = time.monotonic()
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} "  # noqa: S608 - a table name, not input
                "SET rows_done = %s, rows_total = %s, updated_at = %s WHERE id = %s",
                [done, self.total, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
