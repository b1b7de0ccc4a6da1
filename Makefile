# The two commands a newcomer types: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REFERENCE ?= ../shared/reference
UPSTREAM ?= ../shared/upstream
LIST ?= core
RUN ?=
MIN_PASS ?= 0
JOBS ?= 2

.PHONY: serve test lint conformance acceptance bench setup example

$(BIN)/convergent: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/convergent

serve: setup
	$(BIN)/convergent serve $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest $(ARGS)

# Compare what convergent serves with OVHcloud's OpenAPI exports (skipped where REFERENCE is absent).
conformance: setup
	$(BIN)/convergent conformance --reference $(REFERENCE) $(ARGS)

# OVHcloud's Terraform provider acceptance tests (LIST=core|cloud, RUN=regex) against a real convergent.
acceptance: setup
	$(BIN)/python -m acceptance --upstream $(UPSTREAM) --list $(LIST) --run '$(RUN)' --jobs $(JOBS) --min-pass $(MIN_PASS) $(ARGS)

bench: setup
	$(BIN)/python bench/run.py $(ARGS)

# The example section (examples/notebooks), installed on its own as a user installs a section
# (its `convergent.sections` entry point), then its own tests; uninstalled after, so that the
# main suite keeps serving the built-in sections only.
example: setup
	$(BIN)/pip install --quiet -e examples/notebooks
	$(BIN)/pytest examples/notebooks $(ARGS); status=$$?; $(BIN)/pip uninstall --quiet -y convergent-notebooks; exit $$status
