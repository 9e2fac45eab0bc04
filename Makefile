# Bangban: `make run` (the product on the embedded default) and `make test` (the whole suite).
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.bangban-installed
MANAGE := $(BIN)/python manage.py

.PHONY: install run test lint typecheck pytest migrate demo

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The embedded default: SQLite under var/, filesystem Celery broker under var/celery/, SMS on the console.
migrate: install
	mkdir -p var/celery/queue var/celery/processed
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) seed_calendar

demo: migrate
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) demo_data

run: demo
	DJANGO_SETTINGS_MODULE=config.settings.local BIN=$(BIN) exec scripts/run_all.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy .

pytest: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest

test: lint typecheck pytest

# Benchmark suite (issue 7): PostgreSQL + Redis, 2 gunicorn workers; BENCH_CASES=20000 for a quick run.
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py

# Bounded load test (issue 8): 60 s of fixed-rate mixed traffic against gunicorn + PostgreSQL + Redis + Celery
# on 127.0.0.1 (database bangban_load, Redis db 7); exits non-zero on any error. Not part of `make test`.
.PHONY: loadtest
loadtest: install
	$(BIN)/python loadtest/run.py
