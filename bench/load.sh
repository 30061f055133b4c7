#!/usr/bin/env bash
# Load: 200 clients for 60 s against the embedded API on loopback (SQLite, files, in-process worker).
#   bench/load.sh [LoadBench options: --clients 200 --users 20 --seconds 60 --think-ms 1000 --timeout-s 10 --train true]
# 20 users with 10 clients each; every client keeps its run's event stream open and, between pauses of up to
# --think-ms, lists runs, reads a run, fetches a sample PNG or a dataset preview, or generates a grid. Each user has a
# finished tiny run to read and generate from, and (with --train true) a long run to follow: the first trains for
# the whole benchmark, the others wait in the queue. The per-key rate limit is raised so that it is not what is measured.
# Prints per-kind counts and latencies, PASS/FAIL per goal, and a JSON line; exits 1 when a goal is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building" >&2
dotnet build src/Api -c Release -nologo -v quiet >/dev/null
dotnet build bench/LoadBench -c Release -nologo -v quiet >/dev/null
api_dll=src/Api/bin/Release/net10.0/GanService.Api.dll
bench_dll=bench/LoadBench/bin/Release/net10.0/GanService.LoadBench.dll
key=gan_bench-admin-key-0123456789abcdefghijklmnopqr
work=$(mktemp -d /tmp/ganservice-load.XXXXXX)
api_pid=
cleanup() {
  [[ -n "$api_pid" ]] && { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  for port in $(seq "$1" "$2"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  echo "no free port between $1 and $2" >&2; return 1
}
port=$(free_port 5300 5400)

DataDirectory="$work/data" Auth__AdminKey="$key" \
  RateLimits__PermitsPerSecond=1000 RateLimits__Burst=2000 \
  Logging__LogLevel__Default=Warning \
  dotnet "$api_dll" --urls "http://127.0.0.1:$port" >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 300); do
  line=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && IFS= read -r -t 2 l <&3 && echo "$l") 2>/dev/null || true)
  [[ "$line" == *" 200 "* ]] && break
  kill -0 "$api_pid" 2>/dev/null || { cat "$work/api.log" >&2; exit 1; }
  sleep 0.2
done

echo "==> $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
status=0
dotnet "$bench_dll" --api "http://127.0.0.1:$port" --key "$key" --images tests/Api.Tests/Fixtures --api-pid "$api_pid" "$@" || status=$?
echo "==> load average $(cut -d' ' -f1-3 /proc/loadavg) after; API warnings and errors: $(grep -c -E '^(warn|fail|crit)' "$work/api.log" || true)" >&2
grep -E -A2 '^(fail|crit)' "$work/api.log" | head -30 >&2 || true
cp "$work/api.log" /tmp/ganservice-load-api.log && echo "==> the API's log: /tmp/ganservice-load-api.log" >&2
exit "$status"
