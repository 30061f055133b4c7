"""Timing shared by the PyTorch baselines (bench/pytorch_dcgan.py, bench/pytorch_fewshot.py)."""
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
