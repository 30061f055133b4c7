"""Timing shared by the PyTorch baselines (bench/pytorch_dcgan.py, bench/pytorch_fewshot.py)."""
import argparse
import statistics
import time

import torch


def median_step_seconds(step, warmup, iterations):
    """The median of `iterations` timed calls of `step` after `warmup` untimed ones (a noisy machine: not the mean)."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops():
    """The machine's fp32 matmul rate through this torch's BLAS (OpenBLAS on Debian), 2048², the best of 15: the
    machine's rate, not its neighbours' load. The "best rate" reference of the benchmarks."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    matmul = []
    for _ in range(15):
        start = time.perf_counter()
        torch.mm(a, b)
        matmul.append(time.perf_counter() - start)
    return 2 * 2048 ** 3 / min(matmul) / 1e9


def baseline_arguments(width, batch, latent):
    """The options both baselines take (as `GanService.Worker bench` passes them), parsed, with torch seeded and
    its thread count set."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=width)
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--latent", type=int, default=latent)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    return args
