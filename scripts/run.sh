#!/usr/bin/env bash
# `make run`: from a fresh clone to a running ORCA for development, at http://127.0.0.1:$PORT
# (web on runserver, Celery worker and Celery beat, together under honcho; Ctrl-C stops all three).
#
# Settings come from .env when it exists, then from the environment, then from the development
# defaults below. A value in .env wins over the shell's, as it does in honcho, which reads the same
# file for the three processes: both steps see the same settings.
set -euo pipefail
# shellcheck source=scripts/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
cd "$ROOT"

if [ -f .env ]; then
    say "Reading .env"
    set -a
    # shellcheck disable=SC1091
    source .env
    set +a
fi
export DEBUG="${DEBUG:-1}"
export DATABASE_URL="${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
export REDIS_URL="${REDIS_URL:-$DEFAULT_REDIS_URL}"
export PORT="${PORT:-8000}"
# honcho, celery and manage.py resolve to the virtualenv's copies.
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"

# runserver would only fail after the other two had started; say it plainly instead.
if port_open 127.0.0.1 "$PORT"; then
    die "Port $PORT on 127.0.0.1 is already in use." "Stop what uses it, or pick another port:  PORT=8001 make run"
fi

ensure_venv
ensure_node_modules
ensure_postgres
ensure_redis

say "Applying migrations"
python manage.py migrate --noinput
has_persons=$(python - <<'PY'
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orca.settings")
django.setup()
from persons.models import Person  # noqa: E402 (needs the app registry)

print("yes" if Person.objects.exists() else "no")
PY
)
if [ "$has_persons" = no ]; then
    say "The database has no persons yet: loading the demo data"
    python manage.py seed_demo
fi

mkdir -p "$LOCAL_DIR"
say "Starting web (http://127.0.0.1:$PORT), worker and beat; Ctrl-C stops them"
exec honcho -f Procfile.dev start --port "$PORT"
