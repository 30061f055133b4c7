#!/usr/bin/env bash
# On-demand generation over loopback: the service in embedded mode (its in-process worker trains a short run with
# the default preset at 64x64, then idles), then `bench-generate`: cold load, 1 client, 8 concurrent clients, and
# the bare forward pass of the same generator for comparison.
#   bench/generate.sh [REQUESTS_PER_CLIENT]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-30}

echo "==> Building"
dotnet build GanService.sln -c Release -nologo -v quiet >/dev/null
api_dll=src/Api/bin/Release/net10.0/GanService.Api.dll
worker_dll=src/Worker/bin/Release/net10.0/GanService.Worker.dll
images=../shared/datasets/symbola176
[[ -d "$images" ]] || images=tests/Api.Tests/Fixtures
key=gan_bench-admin-key-0123456789abcdefghijklmnopqr
work=$(mktemp -d /tmp/ganservice-bench.XXXXXX)
api_pid=
cleanup() { [[ -n "$api_pid" ]] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=5380
DataDirectory="$work/data" Auth__AdminKey="$key" dotnet "$api_dll" --urls "http://127.0.0.1:$port" >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 300); do
  line=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && IFS= read -r -t 2 l <&3 && echo "$l") 2>/dev/null || true)
  [[ "$line" == *" 200 "* ]] && break
  sleep 0.2
done

echo "==> bench-generate ($images)"
dotnet "$worker_dll" bench-generate --api "http://127.0.0.1:$port" --key "$key" --images "$images" --requests "$requests"
