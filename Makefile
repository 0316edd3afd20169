# Two commands matter: `make run` (the site with demo data) and `make test`;
# `make serve` runs the site in production (gunicorn, see gunicorn.conf.py).
# Everything else here is a step they depend on, rebuilt only when its
# inputs change.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 5000
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask

HTMX_SRC = node_modules/htmx.org/dist/htmx.min.js
HTMX     = static/vendor/htmx.min.js
MO       = translations/zh/LC_MESSAGES/messages.mo

.PHONY: run serve test test-postgres lint format lock scan setup setup-dev translations clean

run: setup
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Workers, threads and address come from WEB_CONCURRENCY, THREADS and BIND.
serve: setup
	$(FLASK) init-db
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py

# On SQLite, whatever TEST_DATABASE_URL says; test-postgres is the other run.
test: setup-dev
	TEST_DATABASE_URL= $(BIN)/python -m pytest

# The suite on PostgreSQL, browser tests aside (they ran on SQLite):
#   make test-postgres TEST_DATABASE_URL=postgresql:///news_test
# Without a URL it is skipped with a message, except under CI=true.
test-postgres: setup-dev
ifeq ($(TEST_DATABASE_URL),)
	@echo "PostgreSQL tests skipped: TEST_DATABASE_URL is not set (see docs/postgresql.md)." >&2
	@test "$$CI" != true || { echo "CI=true: the PostgreSQL run must not be skipped." >&2; exit 1; }
else
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/python -m pytest -m "not browser"
endif

# ruff: the linter, and the formatter as a check (`make format` applies it).
lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff format .

# Exact pins, compiled from the direct dependencies in the .in files; run
# after changing one, or with UPGRADE=1 to move every pin to the newest.
lock: setup-dev
	$(BIN)/pip-compile -q --no-header --no-emit-index-url --no-emit-find-links --strip-extras \
		$(if $(UPGRADE),--upgrade) requirements.in -o requirements.txt
	$(BIN)/pip-compile -q --no-header --no-emit-index-url --no-emit-find-links --strip-extras \
		$(if $(UPGRADE),--upgrade) requirements-dev.in -o requirements-dev.txt

# bandit on the code and wapiti against the running site (see docs/security.md).
scan: setup-dev
	.ci/scan

setup: $(VENV)/.installed $(HTMX) $(MO)

setup-dev: setup $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(HTMX_SRC): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(HTMX): $(HTMX_SRC)
	mkdir -p static/vendor
	cp $(HTMX_SRC) $@

# Compiled catalogs are built from the .po files, never committed.
$(MO): translations/zh/LC_MESSAGES/messages.po $(VENV)/.installed
	$(FLASK) translate compile

translations: setup
	$(FLASK) translate update

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO)
