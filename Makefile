# 督导通 dudao — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run install system-browser system-postgres migrate demo serve test test-pg lint typecheck bench prod-drill clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need (chromium and CJK fonts; PostgreSQL for test-pg), installed when missing.
system-browser:
	@bash scripts/system-packages.sh browser

system-postgres:
	@bash scripts/system-packages.sh postgres

migrate: install
	DUDAO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DUDAO_DEBUG=1 $(BIN)/python manage.py demo --scale small --if-empty

# Set up everything, load the small demo city when the database is empty, and serve.
run: demo
	@echo "督导通已启动：http://127.0.0.1:$(PORT)/  （Ctrl+C 停止）"
	DUDAO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on SQLite (browser tests included), on two workers: 4 min 18 s instead of 6 min 33 s on a
# 2-core machine (each worker builds its own test database).
PYTEST_WORKERS ?= 2
test: install system-browser
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

# The same suite on a throwaway PostgreSQL cluster started and stopped by scripts/with-postgres.sh.
test-pg: install system-browser system-postgres
	bash scripts/with-postgres.sh $(BIN)/pytest -q -n $(PYTEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy dudao tests

bench: install
	$(BIN)/python -m bench.scoping
	$(BIN)/python -m bench.roster_import
	$(BIN)/python -m bench.demo_city
	$(BIN)/python -m bench.ledger
	$(BIN)/python -m bench.ledger_export
	$(BIN)/python -m bench.duty_now
	$(BIN)/python -m bench.breakdown_quality
	$(BIN)/python -m bench.breakdown_speed
	$(BIN)/python -m bench.case_crypto
	$(BIN)/python -m bench.rates
	$(BIN)/python -m bench.receipts_load
	$(BIN)/python -m bench.outbreak_scan
	$(BIN)/python -m bench.checkin_load
	$(BIN)/python -m bench.indicators
	bash scripts/with-postgres.sh $(BIN)/python -m bench.checkin_load

# The production topology of deploy/ on this machine (nginx, two app servers, pgbouncer, PostgreSQL primary and
# hot standby, Redis, huey) under load, with app server, consumer and standby killed mid-way; 1.5 minutes on an idle
# 2-core machine, 4-6 when busy: nightly rather than in .ci/run. Installs nginx, redis-server, pgbouncer and postgresql when missing (docs/部署与运维.md).
prod-drill: install
	bash scripts/prod-drill.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
