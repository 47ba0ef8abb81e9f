# hocbaso — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup lint typecheck migrations-check pytest bench loadtest messages clean-db

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

messages: $(STAMP)
	$(PY) manage.py compile_messages_po

setup: $(STAMP) messages
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py seed_demo_signing --if-empty
	$(PY) manage.py seed_demo_entries --if-empty
	$(PY) manage.py seed_demo_releases --if-empty
	$(PY) manage.py seed_demo_oversight --if-empty

run: setup
	$(PY) manage.py demo_logins
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy hocbaso

migrations-check: $(STAMP)
	mkdir -p var
	$(PY) manage.py makemigrations --check --dry-run

pytest: $(STAMP) messages
	DB_CONN_MAX_AGE=0 $(VENV)/bin/pytest -q -n 2

test: lint typecheck migrations-check pytest

bench: $(STAMP)
	$(PY) bench/run_all.py $(BENCH_ARGS)

# 150 simulated teachers against PostgreSQL on loopback for 5 minutes (docs/scale.md); not part
# of `make test`. Shorter: make loadtest LOADTEST_ARGS="--duration 30 --users 20"
loadtest: $(STAMP)
	$(PY) bench/loadtest/run.py $(LOADTEST_ARGS)

clean-db:
	rm -f var/hocbaso.sqlite3*
