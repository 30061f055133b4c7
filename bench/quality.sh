#!/usr/bin/env bash
# Quality benchmark: small-data vs dcgan-classic on the same data, the same CPU minutes each.
#   bench/quality.sh [MINUTES] [DATASET_DIR]
# Prints each run's final JSON line (SWD, diversity, nearest-neighbour) and leaves the sample grids in
# artifacts/quality/<preset>/samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-15}
images=${2:-../shared/datasets/symbola176}
mkdir -p artifacts/quality
dotnet build src/Worker -c Release -nologo -v quiet
for preset in ${PRESETS:-small-data dcgan-classic}; do
  out=artifacts/quality/$preset
  rm -rf "$out"
  echo "==> $preset, $minutes min on $images"
  dotnet src/Worker/bin/Release/net10.0/GanService.Worker.dll train --images "$images" --out "$out" \
    --preset "$preset" --resolution 64 --iterations 1000000 --minutes "$minutes" --seed 1 | tee "$out.log" | tail -n 1
done
