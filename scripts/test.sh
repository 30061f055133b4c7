#!/usr/bin/env bash
# Runs every test of the solution against real services started here on 127.0.0.1:
# a throwaway PostgreSQL (installed from apt when missing) and s3rver, an S3-compatible server
# (installed from npm into a cache folder when missing; Node.js from apt), and headless Chromium (apt) for the
# studio's browser tests. Needs the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/services.sh
source scripts/services.sh

# The studio's browser tests drive Debian's Chromium (Playwright's own browser download cannot be reached here).
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Chromium from apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export GANSERVICE_TEST_CHROMIUM="${GANSERVICE_TEST_CHROMIUM:-$(command -v chromium)}"
# The browser tests' screenshots land here (CI keeps them as artefacts).
export GANSERVICE_TEST_ARTIFACTS="${GANSERVICE_TEST_ARTIFACTS:-$PWD/artifacts/test}"

echo "==> Building"
dotnet build GanService.sln -c Release -nologo -v quiet

echo "==> Testing"
log="$pg_dir/test.log"
set +e
# A hung test fails the run (with a dump) instead of stalling CI.
dotnet test GanService.sln -c Release --no-build -nologo --blame-hang-timeout 10m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  kill -0 "$s3_pid" 2>/dev/null || echo "==> s3rver is no longer running" >&2
  if [ -s "$s3_dir/s3rver.log" ]; then echo "==> s3rver log (last 40 lines)" >&2; tail -n 40 "$s3_dir/s3rver.log" >&2; fi
fi

# One plain closing line for people and CI: the sums over all test projects.
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
