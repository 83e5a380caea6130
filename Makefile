# Two commands on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_VERBOSITY ?= error
export GRADIO_ANALYTICS_ENABLED ?= False

.PHONY: install demo test lint typecheck check bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch pinned in the same install: the CPU wheel (see README for GPU installs)
	$(PY) -m pip install --quiet -e '.[all,dev]' 'torch==2.13.0'
	# tinysoundfont's only requirement (pyaudio, for live playback) is unused: skip it
	$(PY) -m pip install --quiet --no-deps 'tinysoundfont>=0.3.7'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/studio demo

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check studio tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

check: lint typecheck test

bench: install
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info
