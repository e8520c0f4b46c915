# Chorus: `make run` serves the demo, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := chorus/static/vendor

.PHONY: install run worker test lint types pytest bench lock browser messages clean extension

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/chart.umd.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js.map $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js $@

# Interface icons (lucide) and network logos (simple-icons) in one small sprite.
$(VENDOR)/icons.svg: node_modules/.package-lock.json scripts/build_icons.py | $(BIN)/python
	mkdir -p $(VENDOR)
	$(BIN)/python scripts/build_icons.py node_modules $@

install: $(VENV)/.installed $(VENDOR)/chart.umd.min.js $(VENDOR)/icons.svg extension

# The browser extension for Chromium and Firefox (extension/README.md): checks its words
# and code, writes extension/dist/chorus-chromium.zip and chorus-firefox.zip (and both
# unpacked). Python's standard library only, nothing from the network.
extension:
	$(PYTHON) scripts/build_extension.py

# The site's own address, written into tracked links, emails and OAuth redirects: where
# `make run` serves (a wildcard address is reached on the loopback), unless SITE_URL is set.
RUN_SITE_URL = http://$(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: export SITE_URL ?= $(RUN_SITE_URL)
# Serve the demo: migrate, load Acme (kept on later runs), then the worker, the scheduler and the site.
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C stops the site, the worker and the scheduler)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/python manage.py db_worker --interval 1 & \
	  $(BIN)/python manage.py scheduler & \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/python manage.py db_worker

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@command -v chromium >/dev/null 2>&1 || echo "Chromium is missing: browser tests will be skipped."

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

types: install
	$(BIN)/mypy chorus bench

pytest: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint types pytest

bench: install
	$(BIN)/python -m bench

# Re-resolve the pinned dependencies after editing pyproject.toml.
lock:
	uvx --from uv uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	uvx --from uv uv pip compile pyproject.toml --group dev --python-version 3.11 --generate-hashes -q -o requirements-dev.lock

# Gather the wrapped strings into each app's catalog (chorus/<app>/locale/) and compile them;
# needs gettext (Debian's `gettext` package). Translations are written in the .po files.
MESSAGE_DIRS := --ignore=.venv --ignore=node_modules --ignore=bench --ignore=staticfiles
messages: install
	$(BIN)/python manage.py makemessages --locale=de --no-obsolete $(MESSAGE_DIRS) \
	  --ignore='*/tests/*' --ignore='chorus/tests_browser/*'
	$(BIN)/python manage.py compilemessages $(MESSAGE_DIRS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles extension/dist
