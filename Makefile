# Two commands on a fresh machine with python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= demo.db

.PHONY: demo test check bench clean

# The stamp files record what was installed, so a second run skips pip.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/qualcode --db $(DB) demo

# With PostgreSQL installed, the tests also run against a throwaway server (see the script).
test: $(VENV)/.installed-test
	.ci/with-postgres.sh $(BIN)/python -m pytest

check: $(VENV)/.installed-dev
	$(BIN)/ruff check qualcode tests
	$(BIN)/ruff format --check qualcode tests
	$(BIN)/mypy qualcode

# The table is printed even when a benchmark misses its limit; the exit status still says so.
bench: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/bench -q -s -p no:cacheprovider -o addopts=""; \
	status=$$?; cd tests/bench && ../../$(BIN)/python report.py; exit $$status

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm
