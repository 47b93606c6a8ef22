# Everyday commands. `make demo` and `make test` work on a fresh machine that has only
# Python 3.11, git and make: they install uv (from PyPI) and the locked dependencies first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv from PATH, or else the PyPI package that `make uv` installs, run through Python.
UV ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# What `make test` uses when DATABASE_URL / REDIS_URL are unset and the server answers.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dashboard
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# One test process more than cores: the integration and browser tests mostly wait on real
# workers, the sandbox and Chromium (on 2 cores: 628 s with 3 processes, 872 s with 2).
TEST_PROCESSES ?= $(shell python3 -c 'import os; print((os.cpu_count() or 1) + 1)')
PYTEST_ARGS ?= -n $(TEST_PROCESSES)
# `make bench`: its own PostgreSQL database, created when missing; BENCH_ARGS=--quick for a smoke run.
BENCH_DB ?= dashboard_bench
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
BENCH_ARGS ?=

# True when something listens on 127.0.0.1:$(1).
reachable = $(PYTHON) -c 'import socket; socket.create_connection(("127.0.0.1", $(1)), timeout=1).close()' 2>/dev/null

.PHONY: help uv deps system-packages browser-tools demo test bench lint format sandbox

help:
	@echo "make demo     run the dashboard on the built-in sandbox (SQLite, no servers needed)"
	@echo "make test     run the whole test suite in parallel (installs Chromium if missing)"
	@echo "make bench    the agency-scale benchmark on PostgreSQL (BENCH_ARGS=--quick: 100k posts)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   apply ruff's fixes and formatting"
	@echo "make sandbox  run the Ayrshare-compatible sandbox API alone on port 8765"

uv:
	@$(UV) --version >/dev/null 2>&1 || { \
	  echo "Installing uv from PyPI"; \
	  $(PYTHON) -m pip install --quiet --user uv 2>/dev/null \
	  || $(PYTHON) -m pip install --quiet uv 2>/dev/null \
	  || $(PYTHON) -m pip install --quiet --user --break-system-packages uv; }

deps: uv
	$(UV) sync --frozen
	@mkdir -p "$${DATA_DIR:-data}"

# Only what is missing: a machine whose Node.js came with its own npm cannot take Debian's npm.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	[ -z "$$missing" ] || { \
	  echo "Installing$$missing from Debian's packages"; \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; }

# axe-core, which the browser tests load into Chromium, pinned in tests/browser/package-lock.json.
browser-tools: system-packages
	@[ -f tests/browser/node_modules/axe-core/axe.min.js ] || \
	  npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund

demo: deps
	$(UV) run python manage.py demo

# Uses PostgreSQL and Redis on 127.0.0.1 when DATABASE_URL / REDIS_URL are unset and the servers
# answer; otherwise SQLite, and the integration tests skip for want of Redis.
test: deps system-packages browser-tools
	@if [ -z "$${DATABASE_URL:-}" ] && $(call reachable,5432); then \
	  export DATABASE_URL="$(TEST_DATABASE_URL)"; fi; \
	if [ -z "$${REDIS_URL:-}" ] && $(call reachable,6379); then \
	  export REDIS_URL="$(TEST_REDIS_URL)"; fi; \
	[ -n "$${DATABASE_URL:-}" ] || unset DATABASE_URL; \
	[ -n "$${REDIS_URL:-}" ] || unset REDIS_URL; \
	echo "database: $${DATABASE_URL:-SQLite in $${DATA_DIR:-data}/}"; \
	echo "redis:    $${REDIS_URL:-none (integration tests will skip)}"; \
	$(UV) run pytest $(PYTEST_ARGS)

bench: deps
	@createdb -h 127.0.0.1 -U postgres $(BENCH_DB) 2>/dev/null || true
	DATABASE_URL=$(BENCH_DATABASE_URL) $(UV) run python manage.py migrate --noinput -v 0
	@if [ -z "$${REDIS_URL:-}" ] && $(call reachable,6379); then \
	  export REDIS_URL="$(TEST_REDIS_URL)"; fi; \
	[ -n "$${REDIS_URL:-}" ] || unset REDIS_URL; \
	echo "redis: $${REDIS_URL:-none (R1 to R6 will not be measured)}"; \
	DATABASE_URL=$(BENCH_DATABASE_URL) $(UV) run python manage.py bench $(BENCH_ARGS)

lint: deps
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format: deps
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

sandbox: deps
	$(UV) run python manage.py ayrshare_sandbox --port 8765 --profiles 3 --posts 300 --seed 1
