#!/usr/bin/env python3
"""numpy baselines for bench/mc_lsq.c (one-pass SGD on streaming least squares).

Prints, for each d, coordinate-steps per second (steps * d / seconds; runs * steps * d for
the batched variant) as lines

    RATE loop <d> <rate>
    RATE batched <d> <R> <rate>

(1) loop:    the natural per-step Python loop, one run:
             z = rng.standard_normal(d); x = sqrt_lam * z; r = x @ e - eps; e -= g * r * x
(2) batched: R runs as an R x d array, one step for all runs at once.

Model: lambda_i = 2.5 (i/d)^1.5, learning rate 0.5 (g = 0.5/d), label noise 0.5.
Usage: mc_lsq_numpy.py [--d 100,1000,...] [--seconds T] [--repeats N]
(each rate is the best of N timings of about T seconds)
"""
import argparse
import sys
import time

import numpy as np


def spectrum(d):
    i = np.arange(1, d + 1, dtype=np.float64)
    return np.sqrt(2.5 * (i / d) ** 1.5)


def loop_rate(d, seconds, repeats):
    rng = np.random.default_rng(12345)
    sl = spectrum(d)
    e = np.full(d, 1.0 / np.sqrt(d))
    g = 0.5 / d
    noise = 0.5

    def run(steps):
        nonlocal e
        for _ in range(steps):
            z = rng.standard_normal(d)
            x = sl * z
            eps = noise * rng.standard_normal()
            r = x @ e - eps
            e -= g * r * x

    return timed(run, d, seconds, repeats)


def batched_rate(d, R, seconds, repeats):
    rng = np.random.default_rng(54321)
    sl = spectrum(d)
    E = np.full((R, d), 1.0 / np.sqrt(d))
    g = 0.5 / d
    noise = 0.5

    def run(steps):
        nonlocal E
        for _ in range(steps):
            X = rng.standard_normal((R, d))
            X *= sl
            eps = noise * rng.standard_normal(R)
            r = np.einsum("ij,ij->i", X, E) - eps
            E -= (g * r)[:, None] * X

    return timed(run, R * d, seconds, repeats)


def timed(run, coords_per_step, seconds, repeats):
    """Calibrates the number of steps to ~seconds, then returns the best of `repeats`."""
    steps = 1
    while True:
        t0 = time.perf_counter()
        run(steps)
        dt = time.perf_counter() - t0
        if dt > 0.05 * seconds or steps >= 1 << 30:
            break
        steps *= 4
    steps = max(1, int(steps * seconds / max(dt, 1e-9)))
    best = 0.0
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        run(steps)
        dt = time.perf_counter() - t0
        best = max(best, steps * coords_per_step / dt)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", default="100,1000,10000,100000")
    ap.add_argument("--seconds", type=float, default=0.25)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print("NUMPY", np.__version__, flush=True)
    for d in [int(s) for s in a.d.split(",") if s]:
        print("RATE loop %d %.6e" % (d, loop_rate(d, a.seconds, a.repeats)), flush=True)
        R = max(4, min(1024, 200000 // d))
        print("RATE batched %d %d %.6e" % (d, R, batched_rate(d, R, a.seconds, a.repeats)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
