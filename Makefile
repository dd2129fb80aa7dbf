# The two commands: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_FLAGS := --disable-pip-version-check -q -c requirements/constraints.txt

.PHONY: demo test lint typecheck audit-deps bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nextbest needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/constraints.txt
	$(BIN)/pip install $(PIP_FLAGS) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]'
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/nextbest demo

test: $(VENV)/.installed-dev lint typecheck audit-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

audit-deps: $(VENV)/.installed-dev
	$(BIN)/python scripts/audit_dependencies.py


bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/ingest_throughput.py --database postgresql
	$(BIN)/python benchmarks/single_event_latency.py --database postgresql

clean:
	rm -rf $(VENV) nextbest.db nextbest.db-wal nextbest.db-shm
