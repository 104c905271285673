# injury-hub — every set-up step lives here so that `make demo` and `make test` work on a fresh
# machine with Python 3.11+, Java 17+ and Maven.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-unit lint format bench bench-year bench-worker stop clean

setup: $(STAMP)
	@$(BIN)/injuryhub broker fetch

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/injuryhub demo

test: setup
	$(BIN)/pytest

test-unit: setup
	$(BIN)/pytest -m "not kafka"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/injuryhub schemas check
	$(BIN)/injuryhub schemas docs --check

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

stop:
	-@test -x $(BIN)/injuryhub && $(BIN)/injuryhub broker stop

clean: stop
	rm -rf .state $(VENV) .pytest_cache .mypy_cache .ruff_cache

bench: setup
	$(BIN)/python -m tests.benchmarks.wire
	$(BIN)/python -m tests.benchmarks.replay --scale 0.1

bench-worker: setup
	$(BIN)/python -m tests.benchmarks.worker --scale 0.05

bench-year: setup
	$(BIN)/python -m tests.benchmarks.replay --scale 1
