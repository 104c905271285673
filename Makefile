# injury-hub — every set-up step lives here so that `make demo` and `make test` work on a fresh
# machine with Python 3.11+, Java 17+, Maven and npm.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ECHARTS := dashboards/node_modules/echarts/dist/echarts.min.js

.PHONY: setup demo test test-unit lint format bench bench-year bench-worker bench-p3 bench-p5 stop clean

setup: $(STAMP) $(ECHARTS)
	@$(BIN)/injuryhub broker fetch

# The dashboard serves ECharts itself (the machines may have no internet at run time).
$(ECHARTS): dashboards/package.json dashboards/package-lock.json
	npm ci --prefix dashboards --no-audit --no-fund --silent
	@touch $(ECHARTS)

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
	-@test -f .state/dashboard.pid && kill $$(cat .state/dashboard.pid) && rm -f .state/dashboard.pid
	-@test -x $(BIN)/injuryhub && $(BIN)/injuryhub broker stop

clean: stop
	rm -rf .state $(VENV) .pytest_cache .mypy_cache .ruff_cache

# P1-P5 against raw baselines on one broker; rewrites the table in docs/benchmarks.md.
bench: setup
	$(BIN)/python -m tests.benchmarks.wire
	$(BIN)/python -m tests.benchmarks.suite --scale 0.02 --workers halves --write docs/benchmarks.md

# one worker; `--workers halves` for the hub's two halves side by side
bench-worker: setup
	$(BIN)/python -m tests.benchmarks.worker --scale 0.05

bench-year: setup
	$(BIN)/python -m tests.benchmarks.replay --scale 1

# P3 on a Qingdao-sized year (scale 1, ~20 minutes), the hub's two halves running through the replay.
bench-p3: setup
	$(BIN)/python -m tests.benchmarks.suite --p3-only --p3-scales 1 --workers halves

# P5 alone (~1 minute): the aggregates half's start with 10^6 changelog records to recover.
bench-p5: setup
	$(BIN)/python -m tests.benchmarks.suite --p5-only --workers halves
