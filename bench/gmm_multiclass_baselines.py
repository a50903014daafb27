#!/usr/bin/env python3
"""Baselines for bench/gmm_multiclass.c (gmm_multiclass), measured in the same run.

  gmm_multiclass_baselines.py ode METHOD D T BETA    scipy solve_ivp (RK45 | BDF) on the per-mode
      ODE (gmm.md E1-E3, q = 1) of two-class power-law binary logistic SGD: alpha = 1.1, 1.5,
      antipodal means d^-1/2 (rho/d)^beta, lr 1, X_0 = 0, rtol 1e-8, atol 1e-10; logistic
      expectations by 128-node Gauss-Hermite (numpy).  Prints "seconds risk nfev".
  gmm_multiclass_baselines.py mc K D STEPS           a plain numpy per-step loop of the SGD
      (K = 2: binary logistic; K > 2: one-hot least squares with K outputs), isotropic
      data, antipodal / orthogonal means.  Prints "seconds coordinate_steps_per_second".
"""
import sys
import time

import numpy as np


def ode(method, d, T, beta):
    from scipy.integrate import solve_ivp
    rho = np.arange(d, 0, -1) / d  # largest first, as hdsim's spectra
    lam = np.stack([rho ** 1.1, rho ** 1.5])  # (2, d)
    v = rho ** beta / np.sqrt(d)
    mu = np.stack([v, -v])
    P = np.einsum("ai,bi->abi", mu, mu)  # (2, 2, d)
    p, y_lab, gamma, w = np.array([0.5, 0.5]), np.array([1.0, 0.0]), 1.0, 1.0 / d
    x, wt = np.polynomial.hermite.hermgauss(128)
    wt = wt / np.sqrt(np.pi)

    def expect(m, s):
        r = m + np.sqrt(2 * max(s, 0.0)) * x
        sg = 0.5 * (1 + np.tanh(0.5 * r))
        return (wt @ sg, wt @ (sg * (1 - sg)), wt @ sg ** 2, wt @ (np.logaddexp(0, r)))

    def split(y):
        return y[:d], y[d:2 * d], y[2 * d:]

    def rhs(t, y):
        V, M1, M2 = split(y)
        M = (M1, M2)
        dV = np.zeros(d)
        dM = [np.zeros(d), np.zeros(d)]
        for c in range(2):
            m, s = M[c].sum(), lam[c] @ V
            Es, Ess, Es2, _ = expect(m, s)
            a, b, e = Es - y_lab[c], Ess, Es2 - 2 * y_lab[c] * Es + y_lab[c] ** 2
            for k in range(2):
                dM[k] -= gamma * p[c] * (P[k, c] * a + lam[c] * b * M[k])
            dV += -2 * gamma * p[c] * (a * M[c] + lam[c] * b * V) + gamma ** 2 * w * p[c] * lam[c] * e
        return np.concatenate([dV, dM[0], dM[1]])

    def risk(y):
        V, M1, M2 = split(y)
        R = 0
        for c, M in enumerate((M1, M2)):
            m, s = M.sum(), lam[c] @ V
            Es, _, _, sp = expect(m, s)
            R += p[c] * (sp - y_lab[c] * m)
        return R

    t0 = time.perf_counter()
    sol = solve_ivp(rhs, (0, T), np.zeros(3 * d), method=method, rtol=1e-8, atol=1e-10)
    sec = time.perf_counter() - t0
    if not sol.success:
        print(f"nan nan {sol.nfev}")
        return
    print(f"{sec:.4g} {risk(sol.y[:, -1]):.10g} {sol.nfev}")


def mc(K, d, steps):
    rng = np.random.default_rng(1)
    q = 1 if K == 2 else K
    if K == 2:
        v = rng.standard_normal(d) / np.sqrt(d)
        mu = np.stack([v, -v])
    else:
        mu = np.linalg.qr(rng.standard_normal((d, K)))[0].T * 2
    X = np.zeros((q, d))
    gamma = 1.0
    t0 = time.perf_counter()
    for _ in range(steps):
        c = rng.integers(K)
        x = mu[c] + rng.standard_normal(d)
        r = X @ x
        if K == 2:
            g = 1 / (1 + np.exp(-r)) - (1.0 if c == 0 else 0.0)
        else:
            g = r.copy()
            g[c] -= 1
        X -= (gamma / d) * np.outer(g, x)
    sec = time.perf_counter() - t0
    print(f"{sec:.4g} {steps * d / sec:.4g}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "ode":
        ode(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif len(sys.argv) == 5 and sys.argv[1] == "mc":
        mc(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
