#!/usr/bin/env bash
# Queue latency: from POST /api/runs to the run's status "running", with an idle worker, in both modes.
#   bench/queue-latency.sh [RUNS]
# Embedded: the API alone (SQLite, files, Hangfire in memory, in-process worker).
# Server: the API (Worker__InProcess=false) plus a src/Worker process, on a throwaway PostgreSQL
# (Hangfire.PostgreSql) and s3rver, started by scripts/services.sh as for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}

# shellcheck source=scripts/services.sh
source scripts/services.sh

echo "==> Building"
dotnet build GanService.sln -c Release -nologo -v quiet >/dev/null
api_dll=src/Api/bin/Release/net10.0/GanService.Api.dll
worker_dll=src/Worker/bin/Release/net10.0/GanService.Worker.dll
images=tests/Api.Tests/Fixtures
key=gan_bench-admin-key-0123456789abcdefghijklmnopqr
work=$(mktemp -d /tmp/ganservice-bench.XXXXXX)
pids=()
stop_processes() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pids=()
}
remove_work() { rm -rf "$work"; }
ganservice_cleanup_hooks+=(stop_processes remove_work)

# wait_ready PORT: until /health/ready answers 200 (no curl needed).
wait_ready() {
  local line
  for _ in $(seq 1 300); do
    line=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && IFS= read -r -t 2 l <&3 && echo "$l") 2>/dev/null || true)
    [[ "$line" == *" 200 "* ]] && return 0
    sleep 0.2
  done
  echo "the API on port $1 did not become ready" >&2; return 1
}

bench() { # bench PORT LABEL
  echo "==> $2"
  dotnet "$worker_dll" bench-queue --api "http://127.0.0.1:$1" --key "$key" --images "$images" --runs "$runs" >"$work/$2.out" 2>"$work/$2.progress"
  head -n 1 "$work/$2.out"
}

port=$(free_port 5180 5280)
DataDirectory="$work/embedded" Auth__AdminKey="$key" dotnet "$api_dll" --urls "http://127.0.0.1:$port" >"$work/embedded-api.log" 2>&1 &
pids+=($!)
wait_ready "$port"
bench "$port" embedded
embedded=$(tail -n 1 "$work/embedded.out")
stop_processes

run_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE ganservice_bench" >/dev/null
export Database__Provider=Postgres
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=ganservice_bench"
export Storage__Provider=S3 Storage__S3__ServiceUrl="http://127.0.0.1:$s3_port" Storage__S3__Bucket=ganservice-bench
export Storage__S3__AccessKey=S3RVER Storage__S3__SecretKey=S3RVER Worker__InProcess=false
port=$(free_port 5180 5280)
DataDirectory="$work/server-api" Auth__AdminKey="$key" dotnet "$api_dll" --urls "http://127.0.0.1:$port" >"$work/server-api.log" 2>&1 &
pids+=($!)
wait_ready "$port"
DataDirectory="$work/server-worker" dotnet "$worker_dll" >"$work/server-worker.log" 2>&1 &
pids+=($!)
sleep 3 # the worker announces itself to Hangfire and starts listening
bench "$port" server
server=$(tail -n 1 "$work/server.out")
stop_processes

echo "{\"embedded\":$embedded,\"server\":$server}"
