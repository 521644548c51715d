# Two commands set everything up on a fresh machine: `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The benchmark's PyTorch comparison: `make test` installs it so that the quick benchmark run
# covers it; `make lab` does not need it.
BENCH_STAMP := $(VENV)/.installed-bench-stamp

# BLAS threads oversubscribe a 2-core machine and make float32 results depend on thread timing.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0

LINTED := nnlib tests notebooks solutions exercises

# Stored notebook outputs must not depend on the CPU model: the same OpenBLAS kernels and the
# same NumPy SIMD paths on every x86-64 machine with AVX2 (a float32 sum in another order
# changes the last bits, and a 10-epoch training run amplifies them).
ifeq ($(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo yes),yes)
test execute book: export OPENBLAS_CORETYPE := Haswell
test execute book: export NPY_DISABLE_CPU_FEATURES := X86_V4 AVX512_ICL AVX512_SPR
endif

.PHONY: lab test lint data install execute book bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -qq -e ".[dev,bench]"
	touch $@

install: $(STAMP)

# Fashion-MNIST: found locally, or Debian's package when apt is there, or the official download.
data: $(STAMP)
	@$(BIN)/nnlib data --offline --quiet || { \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Fashion-MNIST not found: installing Debian's dataset-fashion-mnist"; \
	    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; \
	  fi; \
	  $(BIN)/nnlib data; }

# JupyterLab refuses to run as root unless told (containers and CI machines often are root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: data
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT)

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

test: data lint $(BENCH_STAMP)
	$(BIN)/nnlib exercises --check
	$(BIN)/python -m pytest tests notebooks solutions \
	  --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg; \
	  rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# Re-execute notebooks in place (all chapters and solutions, or NB="path ...") and regenerate
# exercises/ from solutions/: what a maintainer runs after changing nnlib or a notebook.
execute: data
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=900 \
	  $(or $(NB),notebooks/*.ipynb solutions/*.ipynb)
	$(BIN)/nnlib exercises

book: data
	mkdir -p build
	$(BIN)/jupyter nbconvert --to html --execute --output-dir build notebooks/*.ipynb

bench: data $(BENCH_STAMP)
	mkdir -p bench-results
	$(BIN)/nnlib bench --json bench-results/bench.json

clean:
	rm -rf build .pytest_cache
