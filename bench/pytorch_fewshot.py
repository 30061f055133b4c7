#!/usr/bin/env python3
"""PyTorch baseline for `GanService.Worker bench --preset few-shot`: FastGAN's training step (FastGAN-pytorch
train.py) on the network of bench/fewshot_torch.py, the same one our engine trains.

Per iteration: a batch of reals with random flips, G(z) with noise, DiffAugment color + translation on reals and
fakes, D on reals with its three decoders (L1) and on detached fakes (hinge with U(0.8, 1) margins), D's step; D on
the augmented fakes for G's loss, G's step; EMA of G's weights.
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/pytorch_fewshot.py --width 16 --batch 8 --resolution 64
The last line is one JSON object with the figures, like the Worker's commands.
"""
import copy
import json
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fewshot_torch as fs  # noqa: E402
from torch_timing import baseline_arguments, matmul_gflops, median_step_seconds  # noqa: E402


def diff_augment(x):
    """DiffAugment (Zhao et al. 2020) color + translation, as in its reference code."""
    x = x + (torch.rand(x.size(0), 1, 1, 1) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(x.size(0), 1, 1, 1) * 2) + mean
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    x = (x - mean) * (torch.rand(x.size(0), 1, 1, 1) + 0.5) + mean
    shift_x, shift_y = int(x.size(2) * 0.125 + 0.5), int(x.size(3) * 0.125 + 0.5)
    tx = torch.randint(-shift_x, shift_x + 1, size=[x.size(0), 1, 1])
    ty = torch.randint(-shift_y, shift_y + 1, size=[x.size(0), 1, 1])
    gb, gx, gy = torch.meshgrid(torch.arange(x.size(0)), torch.arange(x.size(2)), torch.arange(x.size(3)), indexing="ij")
    gx = torch.clamp(gx + tx + 1, 0, x.size(2) + 1)
    gy = torch.clamp(gy + ty + 1, 0, x.size(3) + 1)
    padded = F.pad(x, [1, 1, 1, 1, 0, 0, 0, 0])
    return padded.permute(0, 2, 3, 1).contiguous()[gb, gx, gy].permute(0, 3, 1, 2)


def training_step(g, d, g_ema, opt_g, opt_d, real_set, batch, latent):
    """FastGAN-pytorch train.py's step, as a function of no arguments: random flips, DiffAugment on reals and fakes,
    D's hinge with U(0.8, 1) margins plus its decoders' loss on reals, G's -D(fake), and the EMA of G."""
    def step():
        real = real_set[torch.randint(0, real_set.shape[0], (batch,))]
        real = torch.where(torch.rand(batch, 1, 1, 1) < 0.5, real.flip(3), real)
        fake = g(torch.randn(batch, latent))
        real, fake = diff_augment(real), diff_augment(fake)
        opt_d.zero_grad(set_to_none=True)
        part = random.randint(0, 3)
        logits, big, small, rebuilt = d(real, None, part)
        err = F.relu(torch.rand_like(logits) * 0.2 + 0.8 - logits).mean() + d.reconstruction_loss(real, big, small, rebuilt, part)
        fake_logits = d(fake.detach())
        err = err + F.relu(torch.rand_like(fake_logits) * 0.2 + 0.8 + fake_logits).mean()
        err.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        (-d(fake).mean()).backward()
        opt_g.step()
        with torch.no_grad():
            for p, avg in zip(g.parameters(), g_ema.parameters()):
                avg.mul_(0.999).add_(p, alpha=0.001)
    return step


def networks(width, latent, channels, resolution):
    """G, D, the EMA copy of G and both Adam optimisers, as FastGAN builds them."""
    g = fs.Generator(width, latent, channels, resolution)
    d = fs.Discriminator(width, channels, resolution)
    g_ema = copy.deepcopy(g).eval()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return g, d, g_ema, opt_g, opt_d


def main():
    args = baseline_arguments(width=16, batch=8, latent=256)
    g, d, g_ema, opt_g, opt_d = networks(args.width, args.latent, args.channels, args.resolution)
    real_set = torch.rand(256, args.channels, args.resolution, args.resolution) * 2 - 1
    step = training_step(g, d, g_ema, opt_g, opt_d, real_set, args.batch, args.latent)

    median = median_step_seconds(step, args.warmup, args.iterations)
    gflops = matmul_gflops()
    print(f"PyTorch {torch.__version__} FastGAN step: {median:.3f} s/iteration, {args.batch / median:.1f} images/s; matmul {gflops:.0f} GFLOP/s")
    print(json.dumps({"torch": torch.__version__, "secondsPerIteration": median, "imagesPerSecond": args.batch / median,
                      "matmulGflops": gflops, "threads": args.threads, "width": args.width, "batch": args.batch,
                      "resolution": args.resolution}))


if __name__ == "__main__":
    main()
