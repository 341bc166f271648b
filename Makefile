# aralnexus: two commands on a fresh machine.
#   make run   — install into .venv and run the main job on the default scenario
#   make test  — install into .venv (with test tools), lint (ruff), type-check (mypy) and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint bench clean i18n-extract i18n-update i18n-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(MAKE) --no-print-directory i18n-compile

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(MAKE) --no-print-directory i18n-compile

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

# Message catalogs (Babel; see docs/i18n.md). extract: markers _, N_, gettext, ngettext in the code (and the CLI help docstrings) and the
# web templates → aralnexus.pot; update: merge it into each language's .po; compile: .po → .mo (the
# install targets run it, so an editable install has current catalogs; the .mo is also committed).
LOCALE := src/aralnexus/i18n/locale
i18n-extract:
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 --no-location --sort-output \
		--project aralnexus --copyright-holder "aralnexus contributors" -o $(LOCALE)/aralnexus.pot .
	# The messages use {name} placeholders only; Babel mistakes "% of" for a %-format, so drop that flag.
	sed -i -e '/^#, python-format$$/d' -e 's/^\(#, .*\), python-format$$/\1/' $(LOCALE)/aralnexus.pot

i18n-update: i18n-extract
	$(BIN)/pybabel --quiet update -D aralnexus -i $(LOCALE)/aralnexus.pot -d $(LOCALE) --ignore-obsolete --no-fuzzy-matching -w 120

i18n-compile:
	$(BIN)/pybabel --quiet compile --use-fuzzy -D aralnexus -d $(LOCALE)
