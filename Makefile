# The two commands of a fresh clone: `make run` (ORCA at http://127.0.0.1:8000) and `make test`.
# The work is done by the scripts in scripts/, which README.md describes.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test lint format services services-stop

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## set up everything, then start web, worker and beat (PORT=8000)
	@bash scripts/run.sh

test: ## set up everything, then ruff, the migrations check and the whole pytest suite (PYTEST_ARGS=...)
	@bash scripts/test.sh

lint: ## ruff check and ruff format --check
	@bash -c 'source scripts/lib.sh && ensure_venv && "$$VENV/bin/ruff" check . && "$$VENV/bin/ruff" format --check .'

format: ## ruff format and ruff check --fix
	@bash -c 'source scripts/lib.sh && ensure_venv && "$$VENV/bin/ruff" format . && "$$VENV/bin/ruff" check --fix .'

services: ## make sure PostgreSQL and Redis answer (starting project-local ones if needed)
	@bash scripts/services.sh up

services-stop: ## stop the project-local PostgreSQL and Redis that `make run`/`make test` started
	@bash scripts/services.sh down
