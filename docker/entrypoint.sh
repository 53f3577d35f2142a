#!/bin/sh
# The web role (the image's default command, gunicorn) brings the database up to date before it
# serves; the worker, beat and one-off commands run as given.
set -eu

wait_for_database() {
    python - <<'PYTHON'
import os
import sys
import time

import psycopg

ATTEMPTS = 30
url = os.environ.get("DATABASE_URL")
if not url:
    sys.exit("DATABASE_URL is not set (see .env.example).")
for attempt in range(1, ATTEMPTS + 1):
    try:
        psycopg.connect(url, connect_timeout=3).close()
        sys.exit(0)
    except psycopg.OperationalError as error:
        print(f"Database not ready ({attempt}/{ATTEMPTS}): {error}".strip(), file=sys.stderr)
        time.sleep(2)
sys.exit(f"Database still unreachable after {ATTEMPTS} attempts.")
PYTHON
}

if [ "${1:-}" = "gunicorn" ]; then
    wait_for_database
    python manage.py migrate --no-input
    # Creates only missing rows, so running it on every start is safe.
    python manage.py load_reference_data
fi

exec "$@"
