#!/usr/bin/env bash
# Runs every test of the solution against real services started here on 127.0.0.1:
# a throwaway PostgreSQL (installed from apt when missing). Needs the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "==> Installing PostgreSQL from apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(find_pg_bin)
fi

free_port() {
  local port
  for port in $(seq 55432 55532); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  echo "no free port between 55432 and 55532" >&2; return 1
}

# initdb refuses to run as root, so the cluster belongs to 'postgres' when we are root.
pg_dir=$(mktemp -d /tmp/ganservice-pg.XXXXXX)
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
pg_port=$(free_port)

cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT

echo "==> Starting PostgreSQL on 127.0.0.1:$pg_port"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
export GANSERVICE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Pooling=true"

echo "==> Building"
dotnet build GanService.sln -c Release -nologo -v quiet

echo "==> Testing"
log="$pg_dir/test.log"
set +e
dotnet test GanService.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line for people and CI: the sums over all test projects.
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
