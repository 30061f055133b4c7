#!/usr/bin/env bash
# Samples the resident memory of every running `GanService.Worker.dll train` every N seconds (default 15), with the
# iteration its progress log last reached:  bench/rss-sampler.sh OUT.tsv [SECONDS]   (stops when no train is left)
set -euo pipefail
out=$1; every=${2:-15}
echo -e "time\tpid\trssMb\tprogress" > "$out"
sleep "$every"
while pids=$(pgrep -f 'GanService.Worker.dll train'); do
  for pid in $pids; do
    rss=$(awk '/VmRSS/ {print $2/1024}' "/proc/$pid/status" 2>/dev/null || true)
    dir=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -A1 -- '--out' | tail -n 1 || true)
    last=$(tail -c 200 "$dir/progress.log" 2>/dev/null | tr '\r' '\n' | grep -v '^$' | tail -n 1 || true)
    [[ -n "$rss" ]] && echo -e "$(date +%s)\t$pid\t$rss\t$last" >> "$out"
  done
  sleep "$every"
done
