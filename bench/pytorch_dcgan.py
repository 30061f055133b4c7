#!/usr/bin/env python3
"""PyTorch baseline for `GanService.Worker bench`: the same DCGAN (Radford et al.) training step.

Run with Debian's python3-torch and OpenBLAS (libopenblas0-pthread), e.g.
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/pytorch_dcgan.py --width 64 --batch 64 --iterations 20
The last line is one JSON object with the figures, like the Worker's commands.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_timing import baseline_arguments, matmul_gflops, median_step_seconds  # noqa: E402


def generator(nz, ngf, nc, resolution):
    layers = [nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True)]
    channels, size = ngf * 8, 4  # (ngf*8) x 4 x 4
    while size * 2 < resolution:
        layers += [nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(channels // 2), nn.ReLU(True)]
        channels, size = channels // 2, size * 2
    layers += [nn.ConvTranspose2d(channels, nc, 4, 2, 1, bias=False), nn.Tanh()]  # nc x R x R
    return nn.Sequential(*layers)


def discriminator(ndf, nc, resolution):
    layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    channels, size = ndf, resolution // 2
    while size > 4:
        layers += [nn.Conv2d(channels, channels * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(channels * 2), nn.LeakyReLU(0.2, inplace=True)]
        channels, size = channels * 2, size // 2
    layers += [nn.Conv2d(channels, 1, 4, 1, 0, bias=False)]  # 1 x 1 x 1 logits
    return nn.Sequential(*layers)


def main():
    args = baseline_arguments(width=64, batch=64, latent=100)
    g = generator(args.latent, args.width, args.channels, args.resolution)
    d = discriminator(args.width, args.channels, args.resolution)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCEWithLogitsLoss()
    real = torch.rand(256, args.channels, args.resolution, args.resolution) * 2 - 1
    ones, zeros = torch.ones(args.batch), torch.zeros(args.batch)

    def step():
        batch = real[torch.randint(0, real.shape[0], (args.batch,))]
        z = torch.randn(args.batch, args.latent, 1, 1)
        fake = g(z)
        opt_d.zero_grad(set_to_none=True)
        loss_d = loss(d(batch).view(-1), ones) + loss(d(fake.detach()).view(-1), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        loss_g = loss(d(fake).view(-1), ones)
        loss_g.backward()
        opt_g.step()

    median = median_step_seconds(step, args.warmup, args.iterations)
    gflops = matmul_gflops()
    print(f"PyTorch {torch.__version__}: {median:.3f} s/iteration, {args.batch / median:.1f} images/s; matmul {gflops:.0f} GFLOP/s")
    print(json.dumps({"torch": torch.__version__, "secondsPerIteration": median, "imagesPerSecond": args.batch / median,
                      "matmulGflops": gflops,
                      "threads": args.threads, "width": args.width, "batch": args.batch, "resolution": args.resolution}))


if __name__ == "__main__":
    main()
