# aralnexus: two commands on a fresh machine.
#   make run   — install into .venv and run the main job on the default scenario
#   make test  — install into .venv (with test tools), lint (ruff), type-check (mypy) and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"

run: install
	$(BIN)/aralnexus run default

# lint (ruff check + format check) and types (mypy, strict) first: a failure stops before the slow tests
test: lint
	bash scripts/ensure-chromium.sh || true
	$(BIN)/python -m pytest -n 2 -q

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python benchmarks/run.py all

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
