# Two commands do all their own set-up on a machine with only Python 3.11+ (and make):
#   make demo   - create .venv if missing, install, check the shipped samples
#   make test   - the same set-up, then the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p out
	$(VENV)/bin/provenance check samples/000_49245dd74f8c1102.txt --against samples/ --format html -o out/000-check.html || test $$? -le 1
	$(VENV)/bin/provenance check samples/000_49245dd74f8c1102.txt --against samples/
	@echo "HTML report: out/000-check.html"

test: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) out .pytest_cache
