PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install run test lint typecheck pytest

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest
