#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: made with initdb in a temp dir, listening
# only on a Unix socket there (no TCP port), stopped and removed when the command ends.
# The command finds it in RAPPORT_TEST_PG (a URL without a database name).
# Usage: scripts/pg-cluster.sh COMMAND [ARG...]
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] ||
  { echo "pg-cluster: no PostgreSQL server found (run scripts/setup.sh --postgres)" >&2; exit 1; }

dir=$(mktemp -d /tmp/rapport-pg.XXXXXX)
# initdb refuses to run as root: the cluster then belongs to Debian's `postgres` user.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "pg-cluster: running as root, and there is no postgres user" >&2; exit 1; }
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_owner[@]}" "$pg_bin/initdb" -D "$dir/data" --username=rapport --auth=trust --encoding=UTF8 \
  --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: a test cluster that a crash loses is fine, and it is several times quicker.
"${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export RAPPORT_TEST_PG="postgres://rapport@${dir//\//%2F}"
echo "pg-cluster: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on $dir"
"$@"
