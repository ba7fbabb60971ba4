# Frontdesk: `make run` serves the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint format bench translations clean help

help:
	@echo "make run    - install (first time) and serve http://127.0.0.1:5000 with worker + demo data"
	@echo "make test   - install with test extras and run the whole suite"
	@echo "make test-fast - everyday lane: everything except browser, real-worker, multi-process and image tests"
	@echo "make lint   - ruff"
	@echo "make bench  - run the benchmarks in bench/"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/frontdesk run

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q -m "not browser and not slow and not redis"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) bench/admin_list.py

translations: $(STAMP)
	$(PY) scripts/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
