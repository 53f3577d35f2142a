# Registro: two commands on a fresh machine (see README.md).
#   make run   installs into .venv, migrates, loads reference and demo data, serves on :8000
#   make test  the whole pytest suite on real PostgreSQL
# Both use an embedded PostgreSQL under .data/ unless DATABASE_URL is set.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast chromium install messages messages-check check lint db-stop clean schema

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Compiled translations are build products: made from locale/*/LC_MESSAGES/django.po.
messages: install
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.data -v 0

# A development server: DEBUG on unless the environment says otherwise.
# Refresh the catalogues from the code (no line numbers, so diffs show only real changes), then
# fail if any Spanish string is untranslated or fuzzy. CI runs the check.
MAKEMESSAGES := $(PY) manage.py makemessages -l es -l en --no-location --ignore=.venv --ignore=.data --ignore=tests -v 0
messages-check: install
	$(MAKEMESSAGES)
	@stats=$$(msgfmt --statistics -o /dev/null locale/es/LC_MESSAGES/django.po 2>&1); echo "es: $$stats"; \
		case "$$stats" in *untranslated*|*fuzzy*) echo "Translate every Spanish string (locale/es)."; exit 1;; esac
	@! grep -n 'msgstr\[[0-9]*\] ""$$' locale/es/LC_MESSAGES/django.po || (echo "Fill every Spanish plural form (locale/es)."; exit 1)

run: export DEBUG ?= true
run: messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo_data
	$(PY) manage.py ensure_demo_coordinator
	$(PY) manage.py runserver 127.0.0.1:8000

# Production settings, served over plain HTTP to the test client and the live server.
test: messages chromium
	SECURE_SSL_REDIRECT=false $(BIN)/pytest $(PYTEST_ARGS)

# The fast lane, under a minute: every test but the slow ones (fuzzing, property-based, the real
# worker, search recall, …) and the browser tests (markers in pyproject.toml). `make test` before
# pushing.
test-fast: messages
	SECURE_SSL_REDIRECT=false $(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS)

# Debian's Chromium for the browser tests (Playwright downloads no browser).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# ruff, the layering contracts (pyproject.toml), migrations and Django's checks.
check: install messages-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# The API's OpenAPI schema, committed and reviewed in diffs (tests/api/test_schema.py fails when
# it is out of date). English, so that translating the catalogues does not change it.
schema: install
	$(PY) manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

db-stop: install
	$(PY) -c "from pathlib import Path; from lib.embedded_db import stop; stop(Path('.data/postgres'))"

clean: db-stop
	rm -rf $(VENV) .data
