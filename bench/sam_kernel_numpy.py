"""SAM (B = 1) on streaming least squares as a plain numpy loop, the baseline for
bench/sam_kernel.c: prints coordinate-steps per second.  usage: sam_kernel_numpy.py D SECONDS"""
import sys
import time

import numpy as np

d, budget = int(sys.argv[1]), float(sys.argv[2])
lam = np.arange(1, d + 1) / d
lam *= d / lam.sum()
sl = np.sqrt(lam)
eta, rho = 0.6 / d, 0.5 / np.sqrt(d)
rng = np.random.default_rng(1)
best = 0.0
for rep in range(3):
    r = np.full(d, -1 / np.sqrt(d))
    k, t0 = 0, time.perf_counter()
    while True:
        for _ in range(50):
            a = sl * rng.standard_normal(d)
            e = a @ r - 0.3 * rng.standard_normal()
            r -= eta * (e + rho * np.sqrt(a @ a) * np.sign(e)) * a
        k += 50
        t = time.perf_counter() - t0
        if t > budget:
            break
    best = max(best, k * d / t)
print(best)
