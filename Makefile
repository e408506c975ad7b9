# One command runner. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= 2

.PHONY: run test check lint format build validate install bench clean

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

run: $(STAMP) validate
	$(BIN)/opendata serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check opendata tests scripts wsgi.py
	$(BIN)/ruff format --check opendata tests scripts wsgi.py
	$(BIN)/mypy opendata/periods.py opendata/catalog opendata/query opendata/exports opendata/ckan \
		opendata/errors.py opendata/config.py opendata/service.py opendata/schemaorg.py opendata/metadata.py

format: $(STAMP)
	$(BIN)/ruff format opendata tests scripts wsgi.py
	$(BIN)/ruff check --fix opendata tests scripts wsgi.py

test: $(STAMP) lint validate
	scripts/install-system-deps.sh browser
	$(BIN)/pytest -q

check: test

bench: $(STAMP)
	$(BIN)/python scripts/bench_api.py

clean:
	rm -rf $(VENV) var/cache .pytest_cache .ruff_cache
