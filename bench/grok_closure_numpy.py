#!/usr/bin/env python3
"""numpy baseline of the grokking closure step (grok.md §2.1, §6.1): the same
propagator-form update as src/kernels/grok_closure.c, D = 100, P = 550, N = infinity.
Prints 'closure_ms_per_step <value>' (best of 3 timings of STEPS steps)."""
import sys
import time

import numpy as np

D, P, STEPS = 100, 550, int(sys.argv[1]) if len(sys.argv) > 1 else 300
rng = np.random.default_rng(1)
X = rng.standard_normal((P, D)) / np.sqrt(D)
beta = rng.standard_normal(D)
y = 0.5 * (X @ beta) ** 2
alpha, eps, eta0 = 1.0, 0.02, 1.0
c = 2 * eta0 / (alpha * P)
f0 = 0.5 * alpha * eps * (X * X).sum(1)
wbar, Z = np.zeros(D), np.eye(D)


def step(wbar, Z):
    a = X @ wbar
    XZ = X @ Z
    delta = alpha * a + 0.5 * alpha * eps * (a * a + (XZ * XZ).sum(1)) - f0 - y
    dw = -c * (X.T @ (delta * (1 + eps * a)))
    dZ = -c * eps * (X.T @ (delta[:, None] * XZ))
    return wbar + dw, Z + dZ


best = np.inf
for _ in range(3):
    t0 = time.perf_counter()
    for _ in range(STEPS):
        wbar, Z = step(wbar, Z)
    best = min(best, (time.perf_counter() - t0) / STEPS)
print(f"closure_ms_per_step {1e3 * best:.6f}")
