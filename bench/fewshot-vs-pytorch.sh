#!/usr/bin/env bash
# Our few-shot family against a PyTorch FastGAN-lite (the same network and step, bench/pytorch_fewshot_train.py) given
# the same CPU minutes at 64 px, both scored by the same measure (GanService.Worker score / the run's own evaluation).
#   bench/fewshot-vs-pytorch.sh [MINUTES=15] [IMAGES=../shared/datasets/things200]
# Equal minutes are iterations: one `bench` pass measures both steps side by side (ours and PyTorch's), and each then
# trains MINUTES x 60 / its seconds per iteration, so the machine's other work changes the wall time, not the result.
# Needs Debian's python3-torch and python3-pil; OPENBLAS_CORETYPE=SkylakeX is set for OpenBLAS on this CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-15}
images=${2:-../shared/datasets/things200}
export OPENBLAS_CORETYPE=SkylakeX
config='{"generatorChannels":16,"discriminatorChannels":16,"latentDim":128}'
out=artifacts/fewshot-vs-pytorch/$(basename "$images")
rm -rf "$out" && mkdir -p "$out"
dotnet build src/Worker -c Release -nologo -v quiet >/dev/null
cp -r src/Worker/bin/Release/net10.0 "$out/worker"
worker="dotnet $out/worker/GanService.Worker.dll"

speed=$($worker bench --preset few-shot --config "$config" --resolution 64 --iterations 15 2>/dev/null | tail -n 1)
ours=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secondsPerIteration"])' "$speed")
theirs=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(8 / d["pytorchImagesPerSecond"])' "$speed")
ours_iterations=$(python3 -c "print(int($minutes * 60 / $ours))")
theirs_iterations=$(python3 -c "print(int($minutes * 60 / $theirs))")
echo "==> speed, side by side: ours $ours s/iteration, PyTorch $theirs s/iteration; $minutes minutes = $ours_iterations and $theirs_iterations iterations"

# The same prepared images for both: ours cleans them as it trains, PyTorch gets what `prepare` wrote.
$worker prepare --images "$images" --out "$out/prepared" --resolution 64 > /dev/null
$worker train --images "$images" --out "$out/ours" --preset few-shot --config "$config" --resolution 64 --iterations "$ours_iterations" \
  --seed 1 --sample-every 1000000 --checkpoint-every 1000000 --evaluate-every 1000000 > "$out/ours.log" 2> "$out/ours-progress.log"
/usr/bin/python3 bench/pytorch_fewshot_train.py --images "$out/prepared" --out "$out/pytorch" --iterations "$theirs_iterations" --latent 128 \
  > "$out/pytorch.log" 2> "$out/pytorch-progress.log"
$worker score --real "$out/prepared" --samples "$out/pytorch/samples" > "$out/pytorch-score.log"

python3 - "$out" "$minutes" <<'PY'
import json, sys
out, minutes = sys.argv[1], sys.argv[2]
ours = json.loads(open(f"{out}/ours.log").read().strip().splitlines()[-1])
theirs = json.loads(open(f"{out}/pytorch-score.log").read().strip().splitlines()[-1])
pt = json.loads(open(f"{out}/pytorch.log").read().strip().splitlines()[-1])
m = ours["metrics"]
print(f"| recipe, {minutes} CPU minutes at 64 px | iterations | SWD | real floor | diversity (real) | NN ratio |")
print("|---|---|---|---|---|---|")
print(f"| ours, few-shot base 16 | {ours['iterations']} | {m['swd']:.1f} | {m['swdRealFloor']:.1f} | {m['diversity']:.3f} ({m['realDiversity']:.3f}) | {m['nnRatio']:.2f} |")
print(f"| PyTorch FastGAN-lite, same net | {pt['iterations']} | {theirs['swd']:.1f} | {theirs['swdRealFloor']:.1f} | {theirs['diversity']:.3f} ({theirs['realDiversity']:.3f}) | {theirs['nnRatio']:.2f} |")
PY
