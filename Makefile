# Two commands set everything up on a fresh machine: `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What is installed, keyed on pyproject.toml (a changed pyproject reinstalls): `make lab`
# installs what a learner needs (nnlib and JupyterLab); every other target installs the
# instructor's, the benchmark's and the tests' extras too.
LAB_STAMP := $(VENV)/.installed-lab-stamp
STAMP := $(VENV)/.installed-stamp
EXTRAS := lab,grade,dev,bench

# BLAS threads oversubscribe a 2-core machine and make float32 results depend on thread timing.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0

LINTED := nnlib instructor benchmark reference tests notebooks solutions exercises
# Both cores; nbval runs a notebook's cells in order in one kernel: one worker per file.
PYTEST_PARALLEL := -n 2 --dist loadscope

# Stored notebook outputs must not depend on the CPU model: the same OpenBLAS kernels and the
# same NumPy SIMD paths on every x86-64 machine with AVX2 (a float32 sum in another order
# changes the last bits, and a 10-epoch training run amplifies them).
ifeq ($(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo yes),yes)
test check execute book: export OPENBLAS_CORETYPE := Haswell
test check execute book: export NPY_DISABLE_CPU_FEATURES := X86_V4 AVX512_ICL AVX512_SPR
endif

.PHONY: lab test check lint data install execute book bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e ".[lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Everything `make lab` has, so it marks the lab's stamp too.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e ".[$(EXTRAS)]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@ $(LAB_STAMP)

install: $(STAMP)

# Fashion-MNIST: found locally, or Debian's package when apt is there, or the official download.
define fetch_data
@$(BIN)/nnlib data --offline --quiet || { \
  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
    echo "Fashion-MNIST not found: installing Debian's dataset-fashion-mnist"; \
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; \
  fi; \
  $(BIN)/nnlib data; }
endef

data: $(LAB_STAMP)
	$(fetch_data)

# `nnlib grade` runs each notebook in a bubblewrap sandbox: installed with apt when missing
# and possible (root); otherwise the grading tests say how to get it.
define ensure_bwrap
@command -v bwrap >/dev/null || { \
  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
    echo "bubblewrap not found: installing Debian's bubblewrap (nnlib grade's sandbox)"; \
    apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; \
  else \
    echo "bubblewrap not found: nnlib grade and its tests need it (apt-get install bubblewrap)"; \
  fi; }
endef

# The browser test (tests/test_browser.py) drives Debian's chromium: installed with apt when
# missing and possible (root); otherwise that test is skipped and says how to get it.
define ensure_chromium
@command -v chromium >/dev/null || { \
  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
    echo "chromium not found: installing Debian's chromium (the browser test's browser)"; \
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null \
      || echo "chromium could not be installed: the browser test is skipped"; \
  else \
    echo "chromium not found: the browser test is skipped (apt-get install chromium)"; \
  fi; }
endef

# pytest's exit status 5 means it collected no test: say so, and do not fail.
define pytest
$(BIN)/python -m pytest $(1); \
  rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc
endef

# JupyterLab refuses to run as root unless told (containers and CI machines often are root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# Rooted at the repository, opened on notebooks/: the chapters link to ../exercises/.
lab: data
	$(BIN)/jupyter lab --notebook-dir=. --FileContentsManager.preferred_dir=notebooks $(ALLOW_ROOT)

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# Everything CI runs: lint, the exercises, every test, nbval on every notebook, on both cores.
test: $(STAMP) lint
	$(fetch_data)
	$(ensure_bwrap)
	$(ensure_chromium)
	$(BIN)/nnlib exercises --check
	$(call pytest,$(PYTEST_PARALLEL) --durations=15 tests notebooks solutions \
	  --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg)

# The quick loop while changing code: lint and the unit tests, no notebook, nothing marked slow.
check: $(STAMP) lint
	$(ensure_bwrap)
	$(call pytest,-m "not slow" --durations=5 tests)

# Re-execute notebooks in place (all chapters and solutions, or NB="path ...") and regenerate
# exercises/ from solutions/: what a maintainer runs after changing nnlib or a notebook.
execute: $(STAMP)
	$(fetch_data)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=900 \
	  --ExecutePreprocessor.store_widget_state=False \
	  $(or $(NB),notebooks/*.ipynb solutions/*.ipynb)
	$(BIN)/nnlib exercises

book: $(STAMP)
	$(fetch_data)
	mkdir -p build
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.store_widget_state=False \
	  --output-dir build notebooks/*.ipynb

# Some machines set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE because older OpenBLAS builds fail
# on their CPUs; NumPy's OpenBLAS 0.3.31 does not, and forcing older kernels on it would time
# nnlib against a handicap PyTorch does not have. The report names the kernel that ran.
bench: $(STAMP)
	$(fetch_data)
	mkdir -p bench-results
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/nnlib bench --json bench-results/bench.json

clean:
	rm -rf build .pytest_cache
