# Solidarity: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# benchmarks/ may not exist yet in a fresh clone (git keeps no empty folders)
LINT_PATHS := src tests $(wildcard benchmarks)
PYTEST_ARGS ?=

.PHONY: run test check install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

## make run: set up, migrate the SQLite database under ./var, load the demo data and serve on :8000
run: $(STAMP)
	$(BIN)/solidarity db upgrade
	$(BIN)/solidarity demo
	$(BIN)/solidarity serve

## make test: the whole suite on SQLite, then again on PostgreSQL when SOLIDARITY_TEST_DATABASE_URL is set.
## Both runs always happen; the target fails if either failed. PYTEST_ARGS passes options to both.
test: $(DEV_STAMP)
	@status=0; \
	if [ -z "$$SOLIDARITY_TEST_DATABASE_URL" ]; then \
		echo "SOLIDARITY_TEST_DATABASE_URL is not set: the PostgreSQL run is skipped"; \
	fi; \
	echo "== the suite on SQLite =="; \
	SOLIDARITY_TEST_ENGINE=sqlite $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$$SOLIDARITY_TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		SOLIDARITY_TEST_ENGINE=postgresql $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	fi; \
	exit $$status

## make check: lint, format, types and the architecture contract
check: $(DEV_STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var build *.egg-info
