#!/usr/bin/env python3
"""A PyTorch FastGAN-lite trained on real images, for bench/fewshot-vs-pytorch.sh: the training step of
bench/pytorch_fewshot.py (FastGAN-pytorch's train.py: random flips, DiffAugment color + translation, hinge with
U(0.8, 1) margins and the decoders' L1 for D, -D(fake) for G, Adam 2e-4 (0.5, 0.999), EMA 0.999 of G) on the network
of bench/fewshot_torch.py, on images as `GanService.Worker prepare` wrote them. It writes the EMA generator's samples
as PNGs, which `GanService.Worker score` scores with the same measure as our runs.
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/pytorch_fewshot_train.py --images DIR --out DIR --iterations N
The last line is one JSON object with the figures.
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_fewshot import networks, training_step  # noqa: E402


def load(directory, resolution):
    names = sorted(n for n in os.listdir(directory) if n.lower().endswith((".png", ".jpg", ".jpeg", ".webp")))
    images = [np.asarray(Image.open(os.path.join(directory, n)).convert("L").resize((resolution, resolution), Image.BILINEAR),
                         dtype=np.float32) for n in names]
    return torch.from_numpy(np.stack(images))[:, None] / 127.5 - 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--iterations", type=int, required=True)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--latent", type=int, default=128)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)

    real_set = load(args.images, args.resolution)
    g, d, g_ema, opt_g, opt_d = networks(args.width, args.latent, 1, args.resolution)
    step = training_step(g, d, g_ema, opt_g, opt_d, real_set, args.batch, args.latent)
    start = time.time()
    for iteration in range(1, args.iterations + 1):
        step()
        if iteration % 100 == 0:
            print(f"it {iteration}/{args.iterations} {(time.time() - start) / iteration:.3f} s/it", file=sys.stderr, flush=True)

    samples = os.path.join(args.out, "samples")
    os.makedirs(samples, exist_ok=True)
    # FastGAN samples its averaged weights with the network in training mode (batch statistics in BatchNorm): the
    # EMA averages parameters only, so the copy's running statistics were never trained.
    g_ema.train()
    with torch.no_grad():
        images = g_ema(torch.randn(args.samples, args.latent, generator=torch.Generator().manual_seed(104729))).clamp(-1, 1)
    pixels = ((images[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy()
    for i, image in enumerate(pixels):
        Image.fromarray(image, mode="L").save(os.path.join(samples, f"{i:04d}.png"))
    rows = max(1, min(8, len(pixels) // 8))
    grid = np.vstack([np.hstack(list(pixels[r * 8:(r + 1) * 8])) for r in range(rows)])
    Image.fromarray(grid, mode="L").save(os.path.join(args.out, "grid.png"))
    print(json.dumps({"iterations": args.iterations, "seconds": round(time.time() - start, 1), "samples": args.samples,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
