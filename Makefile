# Two commands do all set-up on a fresh machine: `make run` serves the app, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: run test test-fast index index-server eval lint bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first and pinned: that pin takes the CPU wheel on this machine's disk; an unpinned torch
# pulled in by sentence-transformers would be a several-GB CUDA build.
# llama-cpp-python builds from source: build it for a generic x86-64 CPU, not this machine's own
# instruction sets, or a wheel built where AVX-512/AMX exist crashes (SIGSEGV) on its first completion.
# GGML_NATIVE=OFF leaves llama.cpp's portable defaults on: AVX, AVX2, FMA, F16C, BMI2 (x86-64-v3, every
# x86 server CPU since 2013). GGML_CPU_ALL_VARIANTS (one backend per CPU level, picked at run time) needs
# GGML_BACKEND_DL, whose backends llama-cpp-python 0.3 never loads ("no backends are loaded").
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
# pip's wheel cache is keyed by the source archive, not CMAKE_ARGS: a wheel cached by an earlier native
# build would be reused as it is. So this one package never comes from the cache, and an installed
# build that is not portable (tests/test_llm.py checks its CPU features) is rebuilt.
LLAMA := llama-cpp-python[server]>=0.3

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet --no-cache-dir '$(LLAMA)'
	$(BIN)/python scripts/check_llama_build.py || $(BIN)/pip install --quiet --no-cache-dir --force-reinstall --no-deps '$(LLAMA)'
	$(BIN)/pip install --quiet -e '.[dev,eval,llm]'
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/carta ingest

# Share the index as a Chroma server; clients set CARTA_CHROMA_HOST=127.0.0.1 CARTA_CHROMA_PORT=8000.
index-server: $(STAMP)
	$(BIN)/carta serve-index

run: index
	$(BIN)/carta ui --port 8501

# The browser test drives Debian's Chromium (never a downloaded build); install it when missing and root.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi

test: $(STAMP) browser
	$(BIN)/ruff check assistant tests ui evals bench
	$(BIN)/python -m pytest

# The tests that need no model, no server and no browser: under 30 s, for every edit.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not model and not server and not browser"

# The whole graded set, every baseline, gated by evals/thresholds.toml; reports in evals/out/.
eval: index
	$(BIN)/carta eval --check

lint: $(STAMP)
	$(BIN)/ruff check assistant tests ui evals bench

clean:
	rm -rf .carta
