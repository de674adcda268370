# Quick start: `make review-examples` and `make test` on a fresh clone. Both build .venv from the lock.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m compileall -q promolint extractors analysis annotate render sources deliver flows  # as a wheel install does
	touch $(STAMP)

.PHONY: install review-examples test test-wheel bench quality
install: $(STAMP)

review-examples: $(STAMP)
	$(VENV)/bin/promolint review examples --out examples/reviewed

test: $(STAMP)
	$(VENV)/bin/pytest -n 2 -q

test-wheel: $(STAMP)
	$(VENV)/bin/pytest -q tests/test_package.py

quality: $(STAMP)
	$(PY) bench/quality.py

bench: $(STAMP)
	$(PY) bench/run.py
