# Two commands matter: `make run` (the site with demo data) and `make test`.
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

.PHONY: run test scan setup setup-dev translations clean

run: setup
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup-dev
	$(BIN)/python -m pytest

# bandit on the code and wapiti against the running site (see README).
scan: setup-dev
	.ci/scan

setup: $(VENV)/.installed $(HTMX) $(MO)

setup-dev: setup $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt
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
