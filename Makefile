# Two commands: `make run` serves the demo, `make test` passes the suite. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
CATALOG := dispatch/translations/zh/LC_MESSAGES/messages
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench deploy-check lint format setup worker translations clean

run: setup ## create or migrate the database, seed the demo district, print logins, serve on http://127.0.0.1:5000
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python wsgi.py

test: $(STAMP) translations ## the whole suite: unit, integration (SQLite and PostgreSQL + Redis), end to end
	$(BIN)/pytest

bench: $(STAMP) translations ## speed figures, one JSON line each
	@for script in tests/bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

deploy-check: $(STAMP) translations ## deploy/ on loopback: nginx, 3 web processes and 2 workers under supervisord, http and https
	DEPLOY_CHECK_TLS=1 $(BIN)/pytest tests/deploy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(STAMP) translations
	HOST=$(HOST) PORT=$(PORT) $(BIN)/flask --app wsgi setup

worker: $(STAMP) translations ## production: an RQ worker (needs REDIS_URL)
	$(BIN)/flask --app wsgi worker

translations: $(CATALOG).mo

$(CATALOG).mo: $(CATALOG).po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	@test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV) || { \
		echo "python3 -m venv failed (no ensurepip); installing the venv module with apt-get"; \
		rm -rf $(VENV); apt-get update -q && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(CATALOG).mo
