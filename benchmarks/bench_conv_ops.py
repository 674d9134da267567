"""Milliseconds for conv2d and max_pool2d forward/backward on the lecture CNN's largest layers.

Run: python benchmarks/bench_conv_ops.py [--repeat 5] [--batch 32]
Prints the median of `repeat` runs after one warm-up, float32, and splits conv2 into its
im2col, GEMM and col2im parts so it is clear where the time goes.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from chainrule.autodiff.tensor import Tensor
from chainrule.ops.conv import Conv2DOp
from chainrule.ops.im2col import col2im, im2col, rows
from chainrule.ops.pool import AvgPool2DOp, MaxPool2DOp


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def bench_conv(name, x_shape, w_shape, x_needs_grad, repeat, rng):
    x = Tensor(rng.standard_normal(x_shape, np.float32), requires_grad=x_needs_grad)
    w = Tensor(rng.standard_normal(w_shape, np.float32) * 0.05, requires_grad=True)
    b = Tensor(np.zeros(w_shape[-1], np.float32), requires_grad=True)
    fn = Conv2DOp()
    y = fn(x, w, b)
    gy = rng.standard_normal(y.shape, np.float32)
    fwd = median_ms(lambda: fn.forward(x.data, w.data, b.data), repeat)
    bwd = median_ms(lambda: fn.backward(gy), repeat)
    what = "dX+dW+db" if x_needs_grad else "dW+db"
    print(f"{name:6s} conv2d {x_shape} * {w_shape}: fwd {fwd:7.1f} ms, bwd ({what}) {bwd:7.1f} ms"
          f"  [chunk={fn.batch.chunks[0][1]} images]")
    return fn, gy


def conv_breakdown(fn, gy, repeat):
    """Conv2DOp's kinds of work, each summed over the batch chunks on one thread."""
    w2d = fn.kernel.reshape(-1, fn.cout)
    gx = np.zeros(fn.x.shape, fn.dtype)
    scratch, fast = np.empty((fn.batch.largest, *fn.patch_shape), fn.dtype), fn.batch.fast
    parts = {
        "im2col": lambda lo, hi: im2col(fn.x[lo:hi], scratch, fn.win, fast),
        "fwd GEMM": lambda lo, hi: rows(scratch, hi - lo) @ w2d,
        "dW GEMM": lambda lo, hi: rows(scratch, hi - lo).T @ gy[lo:hi].reshape(-1, fn.cout),
        "dX GEMM": lambda lo, hi: np.matmul(gy[lo:hi].reshape(-1, fn.cout), w2d.T,
                                            out=rows(scratch, hi - lo)),
        "col2im": lambda lo, hi: col2im(rows(scratch, hi - lo), gx[lo:hi], fn.win, fast),
    }
    for name, part in parts.items():
        ms = median_ms(lambda part=part: [part(lo, hi) for lo, hi in fn.batch.chunks], repeat)
        print(f"         {name:9s} {ms:7.1f} ms")


def bench_pool(cls, shape, repeat, rng):
    x = Tensor(np.maximum(rng.standard_normal(shape, np.float32), 0), requires_grad=True)
    fn = cls(2)
    y = fn(x)
    gy = rng.standard_normal(y.shape, np.float32)
    fwd = median_ms(lambda: fn.forward(x.data), repeat)
    bwd = median_ms(lambda: fn.backward(gy), repeat)
    print(f"{cls.__name__:9s} {shape} pool 2: fwd {fwd:7.1f} ms, bwd {bwd:7.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.batch
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, float32, median of {args.repeat}")
    bench_conv("conv1", (n, 150, 150, 3), (3, 3, 3, 64), False, args.repeat, rng)
    fn, gy = bench_conv("conv2", (n, 74, 74, 64), (3, 3, 64, 64), True, args.repeat, rng)
    conv_breakdown(fn, gy, args.repeat)
    bench_pool(MaxPool2DOp, (n, 148, 148, 64), args.repeat, rng)
    bench_pool(AvgPool2DOp, (n, 148, 148, 64), args.repeat, rng)


if __name__ == "__main__":
    main()
