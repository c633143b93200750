# Two commands set everything up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8501

.PHONY: run serve test lint system-packages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or later is needed (set PYTHON=…)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## The dashboard on the embedded SQLite database, filled with demonstration data.
run: $(STAMP)
	$(BIN)/tracker serve --demo --port $(PORT)

## The dashboard without demonstration data (your own database via TRACKER_DATABASE_URL).
serve: $(STAMP)
	$(BIN)/tracker serve --port $(PORT)

## Everything the tests need that pip cannot install: the PostgreSQL server and Chromium.
system-packages:
	scripts/ensure-system-packages

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The whole test suite: lint, types, then pytest on SQLite, PostgreSQL and a real browser.
test: system-packages lint
	$(BIN)/pytest -n 2 --dist loadfile

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .mypy_cache .ruff_cache
