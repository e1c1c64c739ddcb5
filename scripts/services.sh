#!/usr/bin/env bash
# PostgreSQL and Redis for development and tests.
#
#   scripts/services.sh up     make sure both answer at DATABASE_URL / REDIS_URL and the database exists
#   scripts/services.sh down   stop the project-local instances that `up` started
#
# `up` uses a server that already listens at the URL's host and port. When nothing listens there,
# the host is this machine, and the server programs are installed, it starts a project-local
# instance on that port with its files in .local/ (git-ignored); the instance keeps running after
# `make run` stops, so the next start is quick, until `make services-stop`. Otherwise it says what
# is missing and how to install it.
#
# Sourced by the other scripts for ensure_postgres, ensure_redis and pg_admin.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- PostgreSQL ---------------------------------------------------------------------------------

# Administrative work on the server of a PostgreSQL URL, through the maintenance database:
#   pg_admin ping URL | pg_admin create URL NAME | pg_admin drop URL NAME
pg_admin() {
    "$PY" - "$@" <<'PY'
import re
import sys

import psycopg
from psycopg import sql

action, url, *rest = sys.argv[1:]
shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)  # never print a password


def connect() -> psycopg.Connection:
    error = None
    # Connect to a database that always exists: the one in the URL may not exist yet.
    for maintenance_db in ("postgres", "template1"):
        try:
            return psycopg.connect(url, dbname=maintenance_db, connect_timeout=5, autocommit=True)
        except psycopg.OperationalError as exc:
            error = exc
    sys.exit(f"error: cannot connect to PostgreSQL at {shown}:\n{error}")


with connect() as conn:
    if action == "create":
        (name,) = rest
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            sys.exit(0)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"==> Created database {name}")
    elif action == "drop":
        (name,) = rest
        # FORCE ends sessions a crashed run may have left behind (PostgreSQL 13 and newer).
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    elif action != "ping":
        sys.exit(f"error: unknown pg_admin action {action!r}")
PY
}

# The newest installed PostgreSQL server's bin directory (Debian keeps it off PATH).
postgres_bindir() {
    local dir
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    return 1
}

# PostgreSQL refuses to run as root, so as root its programs run as the `postgres` system user,
# from / because that user may not be allowed into the checkout's directory.
as_postgres() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# The data folder of the local cluster for a port: .local/postgres-PORT, or, when the `postgres`
# user cannot reach into the checkout (a clone under /root, say), a folder under /var/tmp that
# .local/postgres-PORT links to.
local_postgres_dir() {
    local port=$1 link="$LOCAL_DIR/postgres-$1" dir
    if [ -L "$link" ]; then
        dir=$(readlink -f "$link")
    else
        dir=$link
    fi
    mkdir -p "$dir"
    if is_root; then
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            rmdir "$dir"
            dir="/var/tmp/orca-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)/postgres-$port"
            mkdir -p "$dir"
            chown postgres: "$dir"
            ln -sfn "$dir" "$link"
        fi
    fi
    echo "$dir"
}

start_local_postgres() {
    local host=$1 port=$2 user=$3 bindir dir
    bindir=$(postgres_bindir) || die "PostgreSQL is not running at $host:$port and its server programs (initdb, pg_ctl) are not installed." \
        "Install them:  apt-get install postgresql   (Debian/Ubuntu; run 'apt-get update' first)" \
        "or start a PostgreSQL server yourself and point DATABASE_URL at it."
    if is_root && ! getent passwd postgres >/dev/null; then
        die "PostgreSQL refuses to run as root, and there is no 'postgres' user to run it as." \
            "Create one:  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres"
    fi
    mkdir -p "$LOCAL_DIR"
    dir=$(local_postgres_dir "$port")
    if [ ! -s "$dir/data/PG_VERSION" ]; then
        say "Creating a project-local PostgreSQL cluster in $dir/data (superuser $user, trust auth on $host)"
        as_postgres "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --no-locale \
            >"$dir/initdb.log" 2>&1 || die "initdb failed; see $dir/initdb.log"
        # Reached over TCP only (no socket file to place); a development cluster may lose its last
        # few commits in a crash, never its consistency, so commits need not wait for the disk.
        printf '%s\n' "" "# Added by scripts/services.sh for this checkout's development cluster." \
            "unix_socket_directories = ''" "synchronous_commit = off" >>"$dir/data/postgresql.conf"
    fi
    say "Starting project-local PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on $host:$port (log: $dir/postgres.log)"
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -c listen_addresses=$host" start >/dev/null ||
        die "PostgreSQL did not start; see $dir/postgres.log"
}

# DATABASE_URL answers and its database exists (created when missing).
ensure_postgres() {
    local url=${DATABASE_URL:-$DEFAULT_DATABASE_URL}
    eval "$(parse_url DB "$url" 5432)"
    case "$DB_SCHEME" in
        postgres | postgresql | pgsql) ;;
        *) die "DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/name), not $DB_SCHEME://" ;;
    esac
    [ -n "$DB_NAME" ] || die "DATABASE_URL names no database: postgres://user@host:port/NAME"
    # An empty host means a Unix socket: there is no port to probe or to start a server on.
    if [ -n "$DB_HOST" ] && ! port_open "$DB_HOST" "$DB_PORT"; then
        is_local_host "$DB_HOST" || die "PostgreSQL at $DB_HOST:$DB_PORT is not reachable." \
            "Start it, or point DATABASE_URL at a running server."
        start_local_postgres "$DB_HOST" "$DB_PORT" "${DB_USER:-$(id -un)}"
    fi
    pg_admin create "$url" "$DB_NAME"
}

# --- Redis --------------------------------------------------------------------------------------

redis_ping() {
    "$PY" - "$1" <<'PY'
import re
import sys

import redis

url = sys.argv[1]
shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)  # never print a password
try:
    redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
except redis.RedisError as exc:
    sys.exit(f"error: Redis at {shown} does not answer PING: {exc}")
PY
}

start_local_redis() {
    local host=$1 port=$2 password=$3 dir="$LOCAL_DIR/redis-$2"
    command -v redis-server >/dev/null 2>&1 || die "Redis is not running at $host:$port and redis-server is not installed." \
        "Install it:  apt-get install redis-server   (Debian/Ubuntu; run 'apt-get update' first)" \
        "or start a Redis server yourself and point REDIS_URL at it."
    local -a bind=("$host")
    [ "$host" = localhost ] && bind=(127.0.0.1 -::1)
    # Like the machine's own Redis it keeps nothing on disk: it is a broker and a cache, never
    # the only copy of anything.
    local -a args=(--daemonize yes --port "$port" --bind "${bind[@]}" --dir "$dir"
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no)
    [ -z "$password" ] || args+=(--requirepass "$password")
    mkdir -p "$dir"
    say "Starting project-local Redis on $host:$port (log: $dir/redis.log)"
    redis-server "${args[@]}" || die "redis-server did not start; see $dir/redis.log"
    local tries
    for tries in $(seq 50); do
        port_open "$host" "$port" && return 0
        sleep 0.2
    done
    die "Redis did not start listening on $host:$port after $tries tries; see $dir/redis.log"
}

# REDIS_URL answers PING.
ensure_redis() {
    local url=${REDIS_URL:-$DEFAULT_REDIS_URL}
    eval "$(parse_url REDIS "$url" 6379)"
    case "$REDIS_SCHEME" in
        redis | rediss) ;;
        *) die "REDIS_URL must be a redis:// or rediss:// URL, not $REDIS_SCHEME://" ;;
    esac
    if ! port_open "$REDIS_HOST" "$REDIS_PORT"; then
        is_local_host "$REDIS_HOST" || die "Redis at $REDIS_HOST:$REDIS_PORT is not reachable." \
            "Start it, or point REDIS_URL at a running server."
        start_local_redis "$REDIS_HOST" "$REDIS_PORT" "$REDIS_PASSWORD"
    fi
    redis_ping "$url"
}

# --- stopping -----------------------------------------------------------------------------------

stop_local_services() {
    local link dir bindir pidfile pid
    for link in "$LOCAL_DIR"/postgres-*; do
        [ -e "$link" ] || continue
        dir=$(readlink -f "$link")
        [ -f "$dir/data/postmaster.pid" ] || continue
        bindir=$(postgres_bindir) || die "pg_ctl not found; cannot stop the cluster in $dir"
        say "Stopping project-local PostgreSQL in $dir"
        as_postgres "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    done
    for pidfile in "$LOCAL_DIR"/redis-*/redis.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            say "Stopping project-local Redis (pid $pid, $(dirname "$pidfile"))"
            kill "$pid"
            while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        fi
        rm -f "$pidfile"
    done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        up)
            ensure_venv
            ensure_postgres
            ensure_redis
            say "PostgreSQL and Redis are ready"
            ;;
        down) stop_local_services ;;
        *) die "usage: scripts/services.sh up|down" ;;
    esac
fi
