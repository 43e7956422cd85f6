#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL server:
#   bash .ci/with-postgres.sh COMMAND [ARG...]
# Installs Debian's `postgresql` with apt-get when no initdb is found (as root), creates a cluster in a
# temporary directory, starts it on 127.0.0.1 on a free port (as the `postgres` user when run as root),
# creates a database, exports AID_ENGINE_TEST_PG_URL=postgresql+psycopg://…, runs the command, then stops
# the server and removes the directory whatever happens, and exits with the command's status.
set -euo pipefail

find_bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then
        echo "$found"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "with-postgres.sh: PostgreSQL is not installed and installing it needs root" >&2
        exit 1
    fi
    echo "with-postgres.sh: installing postgresql with apt-get" >&2
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
    BINDIR=$(find_bindir)
fi
if [ -z "$BINDIR" ]; then
    echo "with-postgres.sh: no initdb found after installing postgresql" >&2
    exit 1
fi

WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/aid-engine-pg.XXXXXX")
PGDATA="$WORKDIR/data"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
PGUSER_NAME=aid_engine
DBNAME=aid_engine_test

as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cleanup() {
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_server_user "$BINDIR/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$WORKDIR"
fi
as_server_user "$BINDIR/initdb" -D "$PGDATA" -U "$PGUSER_NAME" --auth=trust -E UTF8 --no-locale >/dev/null
as_server_user "$BINDIR/pg_ctl" -D "$PGDATA" -l "$WORKDIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORKDIR -c max_connections=50" start >/dev/null \
    || { cat "$WORKDIR/server.log" >&2; exit 1; }
"$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U "$PGUSER_NAME" "$DBNAME"

export AID_ENGINE_TEST_PG_URL="postgresql+psycopg://$PGUSER_NAME@127.0.0.1:$PORT/$DBNAME"
echo "with-postgres.sh: PostgreSQL on 127.0.0.1:$PORT, AID_ENGINE_TEST_PG_URL=$AID_ENGINE_TEST_PG_URL" >&2

status=0
"$@" || status=$?
exit "$status"
