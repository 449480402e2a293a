# Dar: `make run` serves Dar on the embedded store; `make test` runs every check and test.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint check pytest bench mutants clean

$(VENV)/.synced: pyproject.toml uv.lock
	@python3 -c 'import sys; assert sys.version_info >= (3, 11), "Dar needs Python 3.11 or newer"'
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv sync --frozen --quiet
	@touch $@

run: $(VENV)/.synced
	$(BIN)/dar run --demo --scenario haidra-first-week

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# one pytest worker per core (pytest-xdist), each with its own PostgreSQL and Chromium; a test
# module stays on one worker (its module-scoped servers start once)
PYTEST_WORKERS ?= auto

pytest: $(VENV)/.synced
	@scripts/check-postgres
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint pytest

bench: $(VENV)/.synced
	$(BIN)/python -m bench.run

# Mutation testing of domain/ and application/ on the fast tests ([tool.mutmut] in pyproject.toml);
# not part of `make test`. Long: limit it with a glob, e.g. make mutants MUTANTS='domain.counter.*'
MUTANTS ?=
mutants: $(VENV)/.synced
	$(BIN)/mutmut run --max-children 2 $(if $(MUTANTS),'$(MUTANTS)')
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) var mutants .mypy_cache .ruff_cache .pytest_cache .hypothesis
