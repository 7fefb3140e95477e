#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server, so the tests also cover the team back end.
#
#   .ci/with-postgres.sh python -m pytest
#
# When the PostgreSQL server programs (initdb, pg_ctl) are on PATH or under
# /usr/lib/postgresql/*/bin, a server is started on 127.0.0.1 (a free port, a temporary data
# directory, trust authentication, durability off: the data is thrown away), QUALCODE_TEST_PG is
# exported for the command, and the server is stopped and its directory removed however the
# command ends. Without them, or when QUALCODE_TEST_PG is already set, the command runs as it is
# (the tests then say that they skipped PostgreSQL, or use the server given).
set -uo pipefail

if [[ -n "${QUALCODE_TEST_PG:-}" ]]; then
    exec "$@"
fi

find_bindir() {
    local candidate
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return
    fi
    # Debian keeps the server programs out of PATH; take the newest version installed.
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$candidate/pg_ctl" && -x "$candidate/initdb" ]]; then
            echo "$candidate"
            return
        fi
    done
}

BINDIR="$(find_bindir)"
if [[ -z "$BINDIR" ]]; then
    echo "with-postgres: no PostgreSQL server programs found; running without PostgreSQL" >&2
    exec "$@"
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/qualcode-pg.XXXXXX")"
# PostgreSQL refuses to run as root: as root, the server runs as an unprivileged user.
AS=()
if [[ "$(id -u)" == "0" ]]; then
    PGUSER_OS="postgres"
    id "$PGUSER_OS" >/dev/null 2>&1 || PGUSER_OS="nobody"
    chown "$PGUSER_OS" "$TMP"
    AS=(runuser -u "$PGUSER_OS" --)
fi

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

stop_server() {
    "${AS[@]}" "$BINDIR/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$TMP"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

if ! "${AS[@]}" "$BINDIR/initdb" -D "$TMP/data" -U qualcode -A trust -E UTF8 --locale=C \
    --no-sync >"$TMP/initdb.log" 2>&1; then
    echo "with-postgres: initdb failed:" >&2
    cat "$TMP/initdb.log" >&2
    exit 1
fi
if ! "${AS[@]}" "$BINDIR/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w -t 60 -o \
    "-h 127.0.0.1 -p $PORT -k $TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    echo "with-postgres: the server did not start:" >&2
    cat "$TMP/server.log" >&2
    exit 1
fi

export QUALCODE_TEST_PG="postgresql://qualcode@127.0.0.1:$PORT/postgres"
echo "with-postgres: PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (QUALCODE_TEST_PG=$QUALCODE_TEST_PG)"
"$@"
