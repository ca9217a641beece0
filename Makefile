# The two commands of the README: `make run` and `make test`. Both are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: run test install browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(STAMP): $(BIN)/python pyproject.toml setup.py
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: migrate, load the practice library, start the web server (and the reminder worker).
run: install
	PORT=$(PORT) bin/run

## make test: everything the tests need (Debian's chromium included), then the whole suite.
test: install browser tests/js/node_modules/.package-lock.json
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# An independent RRULE implementation (rrule.js) the recurrence tests compare against, and
# the Nu HTML Checker (vnu.jar, run with the machine's java). No install scripts: vnu-jar's
# would download a Java runtime, and `make browser` installs Debian's instead.
tests/js/node_modules/.package-lock.json: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --ignore-scripts

# Browser tests drive Debian's chromium through Playwright (never a downloaded browser);
# the HTML checker runs on Debian's java.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing Debian's java for the HTML checker..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q default-jre-headless; }

## make bench: the page benchmark (bench/pages.py) on the small data set; BENCH_ARGS for more.
bench: install
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info test-artifacts
