# Two commands do all the set-up on a fresh machine: `make test` and `make demo`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint demo run bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The exact pins (runtime and dev), then fbsync itself, editable and without re-resolving them.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Lint (ruff, formatting, mypy) first, so CI fails on them as on a test.
test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: install
	$(BIN)/python -m sandbox.demo

# Production locally: the Procfile's release phase, then its processes under honcho, from the venv.
# `make run RUN_ARGS=--socket-mode` adds the Socket Mode bot (Procfile.socket).
run: install
	$(BIN)/python -m sandbox.run $(RUN_ARGS)

eval: install  # the rules analyzer's accuracy on the labelled conversations, per stage and language
	$(BIN)/python tests/rules_eval.py
	$(BIN)/python tests/merge_eval.py

bench: install
	command -v wrk >/dev/null || apt-get install -y wrk || sudo apt-get install -y wrk
	$(BIN)/python -m bench.sync_cli
	$(BIN)/python -m bench.sync_engine
	$(BIN)/python -m bench.analysis_quota
	FBSYNC_LOG_LEVEL=WARNING $(BIN)/python -m bench.webhook_delivery
	$(BIN)/python -m bench.export

clean:
	rm -rf $(VENV) .pytest_cache *.egg-info build
