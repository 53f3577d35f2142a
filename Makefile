# Registro: two commands on a fresh machine (see README.md for what they need).
#   make run   installs into .venv, migrates, loads reference and demo data, serves on :8000
#              (make run PORT=8010: on another port)
#   make test  the whole pytest suite on real PostgreSQL
# Both use an embedded PostgreSQL under .data/ unless DATABASE_URL is set.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# Commands that build or check the code, not a server, run with the development settings:
# production settings refuse to load without real secrets (docs/deployment.md). `.ci/run`
# checks the production settings, with secrets of its own.
MANAGE := DEBUG=true $(PY) manage.py

# $(call debian_package,COMMAND,PACKAGE,WHAT FOR): when COMMAND is missing, install PACKAGE with
# apt-get if we are root on a machine that has it; otherwise stop and say what to install.
debian_package = command -v $(1) >/dev/null || { \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(2) (for $(3)) with apt-get…"; \
		apt-get update -qq && apt-get install -y -qq $(2) >/dev/null; \
	else \
		echo "'$(1)' is missing (for $(3)): install $(2) (Debian: sudo apt-get install $(2)), then run make again."; \
		exit 1; \
	fi; }

.PHONY: run test test-fast chromium install messages messages-check check lint db-stop clean schema

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "'$(PYTHON)' is missing: install Python 3.11 or newer, then run make again."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Registro needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Install one, then run make again (make PYTHON=python3.12 ..., say, if it is not python3)."; exit 1; }
	@# A .venv without pip is what a failed `python3 -m venv` leaves behind: start again.
	@$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); } || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed: install Python's venv module (Debian: sudo apt-get install python3-venv), then run make again."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Compiled translations are build products: made from locale/*/LC_MESSAGES/django.po.
messages: install
	@$(call debian_package,msgfmt,gettext,the compiled translations)
	$(MANAGE) compilemessages --ignore=.venv --ignore=.data -v 0

# Refresh the catalogues from the code (no line numbers, so diffs show only real changes), then
# fail if any Spanish string is untranslated or fuzzy. CI runs the check.
MAKEMESSAGES := $(MANAGE) makemessages -l es -l en --no-location --ignore=.venv --ignore=.data --ignore=tests -v 0
messages-check: install
	@$(call debian_package,msgfmt,gettext,the translation catalogues)
	$(MAKEMESSAGES)
	@stats=$$(msgfmt --statistics -o /dev/null locale/es/LC_MESSAGES/django.po 2>&1); echo "es: $$stats"; \
		case "$$stats" in *untranslated*|*fuzzy*) echo "Translate every Spanish string (locale/es)."; exit 1;; esac
	@! grep -n 'msgstr\[[0-9]*\] ""$$' locale/es/LC_MESSAGES/django.po || (echo "Fill every Spanish plural form (locale/es)."; exit 1)

# A development server: DEBUG on unless the environment says otherwise.
run: export DEBUG ?= true
run: messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo_data
	$(PY) manage.py ensure_demo_coordinator --port $(PORT)
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

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
	@$(call debian_package,chromium,chromium,the browser tests; make test-fast runs without them)

# ruff, the layering contracts (pyproject.toml), migrations and Django's checks.
check: install messages-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

# The API's OpenAPI schema, committed and reviewed in diffs (tests/api/test_schema.py fails when
# it is out of date). English, so that translating the catalogues does not change it.
schema: install
	$(MANAGE) spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

db-stop: install
	$(PY) -c "from pathlib import Path; from lib.embedded_db import stop; stop(Path('.data/postgres'))"

clean: db-stop
	rm -rf $(VENV) .data
