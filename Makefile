# One command runner. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= 2

.PHONY: run test check lint format build validate publish install bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is required"; exit 1; }
	@$(PYTHON) -c 'import ensurepip' >/dev/null 2>&1 || scripts/install-system-deps.sh python-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/opendata build

validate: $(STAMP)
	$(BIN)/opendata validate

publish: $(STAMP)
	$(BIN)/opendata publish

# serve publishes the shipped packages not yet published (an invalid one is reported, not served).
run: $(STAMP)
	$(BIN)/opendata serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check opendata tests scripts wsgi.py
	$(BIN)/ruff format --check opendata tests scripts wsgi.py
	$(BIN)/mypy opendata/periods.py opendata/catalog opendata/query opendata/exports opendata/ckan \
		opendata/errors.py opendata/config.py opendata/service.py opendata/schemaorg.py opendata/metadata.py \
		opendata/publish opendata/views opendata/atomic.py opendata/numbers.py opendata/api/resource_openapi.py \
		opendata/check opendata/importer opendata/formats opendata/storage
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format opendata tests scripts wsgi.py
	$(BIN)/ruff check --fix opendata tests scripts wsgi.py

# Every suite, the CKAN one included: scripts/ckan/start.sh installs CKAN on a new machine
# (about 80 s, once) and starts it, idempotently; var/ckan/env gives the tests its URL and
# token. `make test CKAN=none` leaves CKAN alone (its tests then skip, or fail with CI=true).
#
# Then the suite runs a second time with every table in PostgreSQL (scripts/postgres/start.sh
# starts it and writes var/postgres/env; each run makes a database of its own and drops it).
# That second run leaves out the suites that never read the table store -- the spreadsheet
# checker (tests/check), the browser pages (tests/browser, which render what the first run
# already checked through the same API) and the LibreOffice CSV corpus -- plus tests/storage,
# which compares both backends in the first run, and tests/ckan. `make test POSTGRES=none`
# skips PostgreSQL (its tests then skip, or fail with CI=true).
CKAN ?= start
POSTGRES ?= start
POSTGRES_SKIPS := --ignore=tests/check --ignore=tests/browser --ignore=tests/test_csv_corpus.py \
	--ignore=tests/storage --ignore=tests/ckan

test: $(STAMP) lint validate
	scripts/install-system-deps.sh browser office nginx $(if $(filter none,$(POSTGRES)),,postgresql)
	@if [ "$(POSTGRES)" != none ]; then bash scripts/postgres/start.sh >/dev/null; fi
	@if [ "$(CKAN)" != none ]; then bash scripts/ckan/start.sh >/dev/null; fi
	@if [ "$(CKAN)" != none ] && [ -f var/ckan/env ]; then set -a; . ./var/ckan/env; set +a; fi; \
		$(BIN)/pytest -q
	@if [ "$(POSTGRES)" != none ]; then \
		echo "== the suite again, on PostgreSQL =="; \
		OPENDATA_TEST_BACKEND=postgresql $(BIN)/pytest -q -p no:cacheprovider $(POSTGRES_SKIPS); fi

check: test

bench: $(STAMP)
	scripts/install-system-deps.sh bench
	$(BIN)/python scripts/bench_api.py

clean:
	rm -rf $(VENV) var/cache .pytest_cache .ruff_cache .import_linter_cache
