#!/usr/bin/env bash
# The studio's first-page budget (issue 11: at most 300 KB, interactive in under 1 s on loopback), measured in
# headless Chromium over cold loads against the embedded service on a throwaway data directory.
#   bench/studio-load.sh [LOADS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
loads=${1:-10}
dotnet build tests/Api.Tests -c Release -nologo -v quiet >/dev/null
driver=tests/Api.Tests/bin/Release/net10.0/.playwright
data=$(mktemp -d)
port=$(( 20000 + RANDOM % 20000 ))
DataDirectory="$data" dotnet run --project src/Api -c Release --no-build -- --urls "http://127.0.0.1:$port" > "$data/api.log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null; wait $api 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.5; done
PLAYWRIGHT_PACKAGE="$PWD/$driver/package" CHROMIUM="${GANSERVICE_TEST_CHROMIUM:-$(command -v chromium)}" \
  "$driver/node/linux-x64/node" bench/studio-load.js "http://127.0.0.1:$port/" "$loads"
