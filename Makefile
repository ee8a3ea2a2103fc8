# Targets used by people and CI alike. `make demo` and `make test` work on a fresh Debian machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///demo.db
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite also runs on PostgreSQL when this server answers; otherwise those tests are skipped.
export ATTAIN_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: venv demo test check lint typecheck contracts bench browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## demo: generate the demo company into demo.db and serve the web app on http://$(HOST):$(PORT)
demo: $(STAMP)
	$(BIN)/attain --db $(DEMO_DB) demo --replace
	$(BIN)/attain --db $(DEMO_DB) serve --host $(HOST) --port $(PORT)

## browser: Debian's Chromium for the end-to-end tests (installed when missing and we may)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped"; fi; }

## test: the whole suite, on SQLite and (when reachable) PostgreSQL
test: $(STAMP) browser
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

## check: lint, types, layer contracts and the tests
check: lint typecheck contracts test

## bench: the benchmarks under benchmarks/ (each prints a table)
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo.db demo.db-*
