#!/usr/bin/env bash
# `make test`: from a fresh clone to a full test run: the virtualenv, PostgreSQL and Redis, the
# system Chromium for the browser tests, then ruff, the migrations check and the whole pytest suite.
# Exits non-zero on the first failure. Extra pytest arguments: PYTEST_ARGS="-k merge" make test.
#
# The test environment is spelled out here rather than read from .env, so a developer's .env
# cannot change what the suite sees; only DATABASE_URL and REDIS_URL may be pointed elsewhere.
set -euo pipefail
# shellcheck source=scripts/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$ROOT"

# The browser tests (tests/browser/conftest.py) launch the Chromium at CHROMIUM_PATH.
export CHROMIUM_PATH=/usr/bin/chromium

export DJANGO_SETTINGS_MODULE=orca.settings
export DEBUG=0
# Commands outside pytest (makemigrations) need a key once DEBUG is off; this one signs nothing real.
export SECRET_KEY=insecure-key-for-the-test-run-only
# pytest-django creates and drops test_<name> beside this database.
export DATABASE_URL="${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
# Redis database 1, not 0: a task or cache entry of the suite never reaches a `make run` on the
# same Redis (whose worker would run it against the development database).
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
export CACHE_URL="$REDIS_URL"
export CELERY_BROKER_URL="$REDIS_URL"
export TIME_ZONE=UTC
export PHONE_DEFAULT_REGION=US
export SMS_PROVIDER=console
export LOG_LEVEL=WARNING
# The plain-HTTP set-up of README.md, as the test client and the live server speak plain HTTP:
# no redirect to HTTPS (it would answer every request with a 301), no HSTS, no secure-only
# cookies. orca/settings.py leaves them off under pytest anyway; the commands outside it
# (makemigrations) see the same.
export SECURE_COOKIES=0
export SECURE_SSL_REDIRECT=0
export SECURE_HSTS_SECONDS=0
# Everything else at the defaults of orca/settings.py, whatever the calling shell holds.
unset ALLOWED_HOSTS CSRF_TRUSTED_ORIGINS DB_CONN_MAX_AGE AXES_FAILURE_LIMIT AXES_COOLOFF_MINUTES \
    SECURE_HSTS_PRELOAD TRUSTED_PROXY_COUNT EMAIL_BACKEND EMAIL_HOST EMAIL_PORT EMAIL_HOST_USER \
    EMAIL_HOST_PASSWORD EMAIL_USE_TLS DEFAULT_FROM_EMAIL SMS_API_KEY SMS_FROM_NUMBER
export PATH="$VENV/bin:$PATH"

ensure_chromium() {
    [ -x "$CHROMIUM_PATH" ] && return 0
    is_root || die "The browser tests need Chromium at $CHROMIUM_PATH, which is not installed." \
        "Install it:  sudo apt-get update && sudo apt-get install -y chromium"
    say "Installing Chromium for the browser tests (apt-get install chromium)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
    [ -x "$CHROMIUM_PATH" ] || die "apt-get installed chromium, yet $CHROMIUM_PATH is still missing."
}

ensure_venv
ensure_node_modules
ensure_postgres
ensure_redis
ensure_chromium

say "ruff check ."
ruff check .
say "makemigrations --check"
python manage.py makemigrations --check --dry-run
say "pytest"
# shellcheck disable=SC2086 # PYTEST_ARGS is a list of arguments, split on purpose.
pytest ${PYTEST_ARGS:-}
