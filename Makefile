# The two commands: `make run` (install, train if needed, start everything) and
# `make test` (install, then every check). Other targets are what a newcomer would guess.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The install stamp names the requirements' hash: a changed requirements.txt reinstalls.
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: install run run-production test test-fast train validate shell lint format bench clean

install: $(STAMP)

$(STAMP): requirements.txt scripts/find-python.sh
	@python=$$(scripts/find-python.sh) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV) || exit 1; \
	fi
	@mkdir -p var/log
	@echo "Installing pinned dependencies (a few minutes the first time; log: var/log/install.log)"
	@$(PY) -m pip install --disable-pip-version-check -r requirements.txt > var/log/install.log 2>&1 \
		|| { tail -20 var/log/install.log; exit 1; }
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

run: install
	@$(PY) -m bot run

# The production profile on one machine, for trying it (README, "Production and
# reliability"): nginx, RASA_REPLICAS Rasa servers and ACTION_SERVERS action servers on
# the local PostgreSQL and Redis. RASA_AUTH_TOKEN must be set; the URLs below are the
# trial's defaults, each overridden by the environment.
run-production: install
	@scripts/ensure-nginx.sh
	@BOT_PROFILE=production \
	TRACKER_STORE_URL=$${TRACKER_STORE_URL:-postgresql://postgres@127.0.0.1:5432/botox_tracker} \
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/botox_clinic} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(PY) -m bot run --demo-data

test: install
	@scripts/ensure-chromium.sh
	@scripts/ensure-nginx.sh
	@$(PY) -m bot spacy-model
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(PY) -m pytest

# Every check that needs no trained model and no browser, in about two minutes: ruff, mypy,
# then the tests marked `fast` (tests/conftest.py marks them from their fixtures). `make test`
# stays the one that proves everything.
test-fast: install
	@$(PY) -m bot spacy-model
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(PY) -m pytest -m fast -q

train: install
	@$(PY) -m bot train

validate: install
	@$(PY) -m bot validate

shell: install
	@$(PY) -m bot shell

bench: install
	@$(PY) -m bot bench

lint: install
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: install
	@$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) models build var .pytest_cache .ruff_cache .mypy_cache
