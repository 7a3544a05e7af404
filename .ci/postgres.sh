#!/usr/bin/env bash
# Start a private PostgreSQL server on 127.0.0.1 for the test run (installing Debian's
# package if needed) and print the URL tests should use. Used by .ci/run; a developer can
# run it too:  export KINDRED_TEST_POSTGRES_URL=$(bash .ci/postgres.sh)
set -euo pipefail
PORT="${KINDRED_PG_PORT:-55432}"
# A server from an earlier run on this machine may hold the port: take the next free one.
for _ in $(seq 1 50); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  PORT=$((PORT + 1))
done
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package)..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
DATA="$(mktemp -d /tmp/kindred-pg.XXXXXX)"
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  # PostgreSQL refuses to run as root: the server runs as the postgres user.
  chown postgres "$DATA"
  RUN_AS=(su postgres -s /bin/sh -c)
fi
run() {
  if [ ${#RUN_AS[@]} -gt 0 ]; then "${RUN_AS[@]}" "$*"; else sh -c "$*"; fi
}
run "'$BIN/initdb' -D '$DATA/data' -A trust -U postgres" >/dev/null
run "'$BIN/pg_ctl' -D '$DATA/data' -l '$DATA/log' -w -o \"-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off\" start" >&2
echo "postgresql+asyncpg://postgres@127.0.0.1:$PORT/postgres"
