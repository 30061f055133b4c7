#!/usr/bin/env bash
# Faithfulness of the few-shot (FastGAN) family: our engine against a PyTorch copy of the same network
# (bench/fewshot_torch.py) on the same weights, inputs and random draws, at several resolutions and settings.
#   bench/verify_fewshot.sh            (needs Debian's python3-torch; prints one table and one JSON line per case)
# Each case: `GanService.Worker fewshot-export` writes G, D, inputs and one training step's outputs and gradients;
# bench/verify_fewshot.py rebuilds it in PyTorch (float64 reference, and float32) and compares.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/verify-fewshot
rm -rf "$out"
mkdir -p "$out"
dotnet build src/Worker -c Release -nologo -v quiet
worker=src/Worker/bin/Release/net10.0/GanService.Worker.dll
status=0
while read -r name args; do
  echo "==> $name"
  dotnet "$worker" fewshot-export --out "$out/$name" $args > /dev/null
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/verify_fewshot.py "$out/$name" || status=1
done <<'CASES'
r32-gray --resolution 32 --width 8 --channels 1
r64-gray --resolution 64 --width 16 --channels 1 --batch 8
r128-rgb-conditional --resolution 128 --width 8 --channels 3 --classes 4
r256-gray-l1-gradients --resolution 256 --width 8 --channels 1 --reconstruction l1-gradients
r512-gray --resolution 512 --width 8 --channels 1 --batch 2
r1024-rgb --resolution 1024 --width 8 --channels 3 --batch 2
CASES
exit $status
