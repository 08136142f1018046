# Two commands do all set-up on a fresh machine: `make run` serves the app, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: run test index eval lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned: that pin takes the CPU wheel on this machine's disk; an unpinned torch
# pulled in by sentence-transformers would be a several-GB CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/carta ingest

run: index
	$(BIN)/carta ui --port 8501

test: $(STAMP)
	$(BIN)/ruff check assistant tests ui evals bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check assistant tests ui evals bench

clean:
	rm -rf .carta
