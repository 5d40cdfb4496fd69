# Fidela: `make run` for a local demo, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The lock files: every package pinned with its hashes, generated from pyproject.toml by
# `make lock` (pip-tools). A fresh machine installs exactly what CI tested.
LOCK := requirements/base.txt
DEV_LOCK := requirements/dev.txt
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release pyproject.toml allows;
# `LOCK_ARGS="--upgrade-package django"` moves one.
LOCK_ARGS ?=

.PHONY: run test install install-dev lint format migrate demo clean bench lock messages

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Fidela needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(LOCK) | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	@touch $@

$(DEV_STAMP): $(DEV_LOCK) | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	@touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

# After changing the dependencies in pyproject.toml: pins what changed, keeps the other pins.
lock: $(DEV_STAMP)
	$(PIP_COMPILE) $(LOCK_ARGS) -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev -o $(DEV_LOCK) pyproject.toml

# The local demo runs with DEBUG on and the embedded SQLite database unless DATABASE_URL is set.
run: export DEBUG ?= true
# The demo's campaigns send real emails through the pipeline: into sent-mail/, one file each.
run: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
run: $(STAMP)
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py sync_schedules
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Starting the web server on http://127.0.0.1:8000 and a task worker. Ctrl-C stops both."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py qcluster & \
	$(PY) manage.py runserver 127.0.0.1:8000 & \
	wait

test: $(DEV_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(DEV_STAMP)
	$(PY) bench/purchases.py

clean:
	rm -rf $(VENV) fidela.sqlite3* staticfiles .pytest_cache

# The Romanian and Russian catalogues: new strings of the code into locale/*/django.po (then
# translate them), and the compiled .mo files Django reads. tests/test_translations.py fails
# while a string is untranslated or fuzzy, or a .mo is older than its .po.
messages: $(DEV_STAMP)
	DEBUG=true $(PY) manage.py makemessages -l ro -l ru --no-obsolete --ignore=.venv --ignore=tests --ignore=bench
	DEBUG=true $(PY) manage.py compilemessages -l ro -l ru --ignore=.venv
