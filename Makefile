# The two commands of the README: `make run` and `make test`. Both are safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
# Every dependency (runtime and test), pinned with hashes; `make lock` writes it.
LOCK   := requirements/lock.txt
PIP_VERSION := 26.3
UV_VERSION  := 0.13.9

.PHONY: run test install lock browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)

# Reinstall only when the lock or the project changes: exactly the locked versions, each
# checked against its hash, then Tandem itself without resolving anything further.
$(STAMP): $(BIN)/python $(LOCK) pyproject.toml setup.py
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# Static files as they are served (build output, kept out of git): a content-hashed copy of
# each file and cache_manifest.json, which pages link through (Flask-Static-Digest), then a .br
# and a .gz beside every file worth compressing (WhiteNoise's compressor). Made again when a file
# in static/ changes; earlier hashed copies stay, for pages already open (`make clean` removes
# them). journal/static_assets.py builds and serves them.
HASHED := .*-[0-9a-f]\{32\}\.[^/]*
STATIC_SOURCES := $(shell find static -type d -o -type f ! -name '*.gz' ! -name '*.br' \
                    ! -name cache_manifest.json ! -regex '$(HASHED)' 2>/dev/null)
STATIC_STAMP := .stamp-static

$(STATIC_STAMP): $(STAMP) $(STATIC_SOURCES)
	$(BIN)/python -m journal.static_assets static
	touch $@

## make lock: resolve pyproject.toml's dependencies (runtime and test) again and pin them,
## with their hashes, into requirements/lock.txt. Run it after changing a dependency.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --universal \
	  --python-version 3.11 --quiet --output-file $(LOCK)

## make run: migrate, load the practice library, start the web server (and the reminder worker).
run: install $(STATIC_STAMP)
	PORT=$(PORT) bin/run

# One pytest-xdist worker per core of this machine (2 on the CI machine, every run: the
# count comes from the hardware, not from the load). Override with `make test NPROC=1`.
NPROC  ?= $(shell nproc 2>/dev/null || echo 2)
# pytest's cache is on for the developer loop (`make test PYTEST_ARGS=--lf` reruns what
# failed last); under CI (CI=true) it is off, so a run never depends on the one before.
PYTEST_CACHE := $(if $(filter true,$(CI)),-p no:cacheprovider)

## make test: everything the tests need (Debian's chromium included), then the whole suite.
## Bytecode is written even where PYTHONDONTWRITEBYTECODE is set (this machine kind sets it):
## each worker otherwise compiled the project and rewrote every test module's asserts again on
## every run, about 3 s of each worker's start (a fresh clone pays it once).
test: install $(STATIC_STAMP) browser tests/js/node_modules/.package-lock.json
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(NPROC) $(PYTEST_CACHE) $(PYTEST_ARGS)

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
bench: install $(STATIC_STAMP)
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info test-artifacts $(STATIC_STAMP) static/cache_manifest.json
	find static \( -name '*.gz' -o -name '*.br' -o -regex '$(HASHED)' \) -delete
