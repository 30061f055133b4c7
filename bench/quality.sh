#!/usr/bin/env bash
# Quality at equal CPU minutes: every recipe of a candidates file on every data set, one at a time.
#   bench/quality.sh [MINUTES=15] [RESOLUTION=64] [CANDIDATES=bench/quality-candidates.tsv]
#   DATASETS="../shared/datasets/things200 ../shared/datasets/symbola176" (default) picks the sets.
# Equal minutes, two ways:
#   - default: each recipe's speed is measured first, all side by side in one `bench` pass, and each then trains
#     for MINUTES x 60 / (seconds per iteration) iterations. The result does not depend on what else the machine
#     does while training (another build, a test run), only on the speed pass.
#   - WALLCLOCK=1: `train --minutes MINUTES` (run it on an otherwise idle machine).
#   A fourth column in the candidates file fixes a recipe's seconds per iteration instead (measured earlier on a
#   quiet machine, side by side), for when the speed pass itself would be disturbed.
# Prints one line per run (SWD x1e3 against the training set, the real-vs-real floor, diversity, nearest-neighbour
# ratio) and a Markdown table at the end; grids and logs stay in artifacts/quality/<resolution>/<set>/<recipe>/.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-15}
resolution=${2:-64}
candidates=${3:-bench/quality-candidates.tsv}
datasets=${DATASETS:-../shared/datasets/things200 ../shared/datasets/symbola176}
root=artifacts/quality/$resolution
mkdir -p "$root"
# Its own copy of the worker, so that a rebuild during a long run does not swap the binary under it.
dotnet build src/Worker -c Release -nologo -v quiet
rm -rf "$root/worker" && cp -r src/Worker/bin/Release/net10.0 "$root/worker"
worker="dotnet $root/worker/GanService.Worker.dll"
summary=$root/summary.tsv
: > "$summary"

declare -A seconds
while IFS=$'\t' read -r name preset config fixed; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if [[ -n "${fixed:-}" ]]; then
    seconds[$name]=$fixed
    echo "==> speed: $name $fixed s/iteration (fixed in $candidates)"
  elif [[ "${WALLCLOCK:-0}" != 1 ]]; then
    seconds[$name]=$($worker bench --preset "$preset" --config "$config" --resolution "$resolution" --iterations 15 2>/dev/null \
      | tail -n 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["secondsPerIteration"])')
    echo "==> speed: $name ${seconds[$name]} s/iteration"
  fi
done < "$candidates"

for images in $datasets; do
  set_name=$(basename "$images")
  while IFS=$'\t' read -r name preset config _; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    out=$root/$set_name/$name
    rm -rf "$out"
    mkdir -p "$out"
    if [[ "${WALLCLOCK:-0}" == 1 ]]; then
      budget=(--iterations 10000000 --minutes "$minutes")
    else
      iterations=$(python3 -c "print(int($minutes * 60 / ${seconds[$name]}))")
      budget=(--iterations "$iterations")
    fi
    echo "==> $set_name / $name: ${budget[*]} at ${resolution}px"
    $worker train --images "$images" --out "$out" --preset "$preset" --config "$config" --resolution "$resolution" \
      "${budget[@]}" --seed 1 --sample-every 500 --checkpoint-every 1000000 --evaluate-every 500 > "$out/run.log" 2> "$out/progress.log"
    # The final SWD, and the mean of the last three evaluations (one evaluation swings with G's oscillation).
    tail -n 1 "$out/run.log" | python3 -c '
import csv, json, sys
d = json.loads(sys.stdin.read()); m = d["metrics"]
with open(sys.argv[3], newline="") as f:
    swds = [float(r["swd"]) for r in csv.DictReader(f) if r.get("swd")]
last3 = sum(swds[-3:]) / len(swds[-3:])
print("\t".join(str(x) for x in [sys.argv[1], sys.argv[2], d["iterations"], round(d["seconds"]), round(m["swd"], 1), round(last3, 1),
      round(m["swdRealFloor"], 1), round(m["diversity"], 3), round(m["realDiversity"], 3), round(m["nnRatio"], 2)]))' "$set_name" "$name" "$out/metrics.csv" | tee -a "$summary"
  done < "$candidates"
done

echo
echo "| set | recipe | iterations | seconds | SWD | SWD, mean of last 3 evaluations | real floor | diversity | real diversity | NN ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|"
sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$summary"
