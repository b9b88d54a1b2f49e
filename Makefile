# The two commands of the README: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := portal

.PHONY: run test setup db demo translations lint clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d portal/translations | tail -n 3

# axe-core for the browser tests' accessibility checks (tests/e2e), from the npm registry.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

setup: $(VENV)/.installed translations

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo load

run: demo
	$(BIN)/flask courses renew-certificates
	$(BIN)/flask cooperation remind
	$(BIN)/flask mail send
	# The search index: apply what changed; rebuild it when it does not match the database.
	$(BIN)/flask search sync
	$(BIN)/flask search verify >/dev/null || $(BIN)/flask search reindex
	# Workers beside the server: mail sends reminders when they fall due, search applies
	# every change to the index within a second; they stop with the server.
	$(BIN)/flask mail send --every 60 & mail=$$!; \
		$(BIN)/flask search sync --every 0.2 & search=$$!; \
		trap 'kill $$mail $$search' EXIT; \
		$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup node_modules/.package-lock.json
	$(BIN)/ruff check portal tests migrations bench
	$(BIN)/mypy portal
	# Medium and high findings fail (-ll); each accepted one carries a `# nosec BXXX` and why.
	$(BIN)/bandit -q -ll -c pyproject.toml -r portal
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy portal

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules test-results

# Extract UI strings and merge them into the catalogues (then translate the new entries).
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--sort-output --omit-header -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching
