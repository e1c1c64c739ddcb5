# Shared by the scripts behind `make run`, `make test` and .ci/run (sourced, never run alone):
# messages, the virtualenv, and reading the service URLs.
# shellcheck shell=bash
# The settings below are used by the scripts that source this file:
# shellcheck disable=SC2034

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
# Project-local service instances and run-time files (git-ignored).
LOCAL_DIR="$ROOT/.local"
DEFAULT_DATABASE_URL="postgres://postgres@127.0.0.1:5432/orca"
DEFAULT_REDIS_URL="redis://127.0.0.1:6379/0"

if [ -t 1 ]; then
    say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
else
    say() { printf '==> %s\n' "$*"; }
fi
die() {
    printf 'error: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }

# A python3 that is 3.11 or newer: $PYTHON if set, else the first one found on PATH.
find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Creates .venv when missing (or made by a Python older than 3.11) and installs requirements.txt
# whenever the file changed since the last install (its hash is kept inside the venv).
ensure_venv() {
    local req="$ROOT/requirements.txt" stamp="$VENV/.requirements.sha256"
    local unpinned
    unpinned=$(grep -vE '^[[:space:]]*(#|$)' "$req" | grep -v '==' || true)
    [ -z "$unpinned" ] || die "requirements.txt must pin every package with ==; not pinned:" "$unpinned"

    if [ -x "$PY" ] && ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        say "Removing .venv: it was made with a Python older than 3.11"
        rm -rf "$VENV"
    fi
    if [ ! -x "$PY" ]; then
        local python
        python=$(find_python) || die "Python 3.11 or newer is needed and none was found on PATH." \
            "Debian/Ubuntu: apt-get install python3 python3-venv (or set PYTHON=/path/to/python3.11)"
        say "Creating .venv with $python ($("$python" --version 2>&1))"
        "$python" -m venv "$VENV" || die "Could not create the virtualenv." \
            "Debian/Ubuntu: apt-get install python3-venv"
    fi
    local want have=""
    want=$(sha256sum "$req" | cut -d' ' -f1)
    [ -f "$stamp" ] && have=$(cat "$stamp")
    if [ "$want" != "$have" ]; then
        say "Installing requirements.txt into .venv"
        "$PY" -m pip install --quiet --disable-pip-version-check -r "$req"
        echo "$want" >"$stamp"
    fi
}

# Prints shell assignments <PREFIX>_SCHEME, _HOST, _PORT, _USER, _PASSWORD, _NAME for a service URL;
# the name is the path without its leading slash (database name, or Redis db number).
parse_url() {
    local prefix=$1 url=$2 default_port=$3
    "$PY" - "$prefix" "$url" "$default_port" <<'PY'
import shlex
import sys
from urllib.parse import unquote, urlsplit

prefix, url, default_port = sys.argv[1:]
parts = urlsplit(url)
try:
    port = parts.port or int(default_port)
except ValueError as error:
    sys.exit(f"error: bad port in {url!r}: {error}")
values = {
    "SCHEME": parts.scheme,
    "HOST": parts.hostname or "",
    "PORT": str(port),
    "USER": unquote(parts.username or ""),
    "PASSWORD": unquote(parts.password or ""),
    "NAME": unquote(parts.path.lstrip("/")),
}
for key, value in values.items():
    print(f"{prefix}_{key}={shlex.quote(value)}")
PY
}

# The same PostgreSQL URL with another database name (CI's scratch database).
url_with_database() {
    "$PY" - "$1" "$2" <<'PY'
import sys
from urllib.parse import quote, urlsplit, urlunsplit

url, name = sys.argv[1:]
print(urlunsplit(urlsplit(url)._replace(path="/" + quote(name))))
PY
}

# Is something listening at host:port? (bash's /dev/tcp; a short timeout for remote hosts)
port_open() {
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash, which gets them as arguments.
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

is_local_host() {
    case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

# Installs the front-end libraries of package-lock.json into node_modules/ (served from static by
# orca/settings.py) whenever the lock file changed since the last install.
ensure_node_modules() {
    local lock="$ROOT/package-lock.json" stamp="$ROOT/node_modules/.package-lock.sha256"
    command -v npm >/dev/null 2>&1 || die "npm is needed for the front-end libraries (package.json)." \
        "Debian/Ubuntu: apt-get install nodejs npm"
    local want have=""
    want=$(sha256sum "$lock" | cut -d' ' -f1)
    [ -f "$stamp" ] && have=$(cat "$stamp")
    if [ "$want" != "$have" ]; then
        say "Installing package-lock.json into node_modules (npm ci)"
        (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    fi
}
