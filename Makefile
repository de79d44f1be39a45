# Skoldigistöd: `make run` serves the portal with demo data, `make test` runs every test.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000
TEST_WORKERS ?= auto

.PHONY: help run test lint format messages check-messages migrate demo clean bench

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { PYTHON=$$(bin/find-python) && "$$PYTHON" -m venv $(VENV); }
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/.installed ## Install, migrate, load demo data, start a worker and serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://$(HOST)} $(PY) manage.py load_demo
	@# The background worker (e-mail, imports, PDFs) runs beside the web server and stops with it.
	export PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://$(HOST)}; \
	$(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

test: $(VENV)/.installed-dev ## Install dev dependencies and run the whole test suite (every core)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal --cov --cov-report=term $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(VENV)/.installed ## Make and compile the Swedish translations
	$(PY) manage.py makemessages -l sv --no-obsolete --no-location -i .venv -i tests -i staticfiles -i bench -v 0
	$(PY) manage.py compilemessages --ignore=.venv -v 0

check-messages: $(VENV)/.installed ## Fail when translations are missing, fuzzy or not compiled
	PY=$(PY) bin/check-messages

migrate: $(VENV)/.installed ## Apply database migrations
	$(PY) manage.py migrate

demo: $(VENV)/.installed ## Load (or refresh) the demonstration data
	$(PY) manage.py load_demo

idps: $(VENV)/.installed-dev ## Start the test SAML IdP (:9180) and e-ID provider (:9190) with demo people (docs/login.md)
	$(PY) -m tests.oidc_op.run --port 9190 --redirect-uri http://127.0.0.1:8000/inloggning/e-legitimation/svar/ & op=$$!; \
	trap 'kill $$op 2>/dev/null; wait $$op 2>/dev/null' EXIT INT TERM; \
	$(PY) -m tests.idp.saml_idp --port 9180 --sp-metadata http://127.0.0.1:8000/saml2/metadata/

bench: $(VENV)/.installed-dev ## Run the benchmarks in bench/ (prints figures; needs DATABASE_URL)
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean: ## Remove the virtual environment and local databases
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .test-media
