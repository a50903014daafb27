#!/usr/bin/python3
"""Kumar et al. Fig. 1 on the authors' kind of arrays, beside hdsim (docs/theory/grok.md
§5.6).  Draws the Fig. 1 configuration the way the paper's code does (D = 100, P = 550,
N = 500, x ~ N(0, I/D), beta ~ N(0, I), y = (beta.x)^2 / 2, W0 ~ N(0, 1), alpha = 1,
eps = 0.02, eta0 = 1, centred, full-batch GD), saves X, y, beta, the test set and W0 as
.npy, and
  1. runs a plain numpy GD loop on them for --numpy-steps steps;
  2. runs hdsim on the same files: the width-500 network from exactly this W0
     (simulation) and the N = infinity theory on exactly this dataset;
and prints (a) the largest relative difference between hdsim's network and numpy's loop
(train and test loss), (b) the curve difference between this one network and the
N = infinity theory over the whole run (what the band over data draws stood in for).

usage: validation/grok_fig1_arrays.py [--steps 10000] [--numpy-steps 1000] [--seed 0]
                                      [--method recursion|ode] [--out DIR]     (HDSIM=path/to/hdsim to override)
"""
import argparse
import os
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D, P, PT, N, ALPHA, EPS, ETA0 = 100, 550, 1000, 500, 1.0, 0.02, 1.0


def phi(h):
    return h + 0.5 * EPS * h * h


def numpy_gd(A, steps):
    X, y, Xt, yt, W = A["X"], A["y"], A["test_X"], A["test_y"], A["W0"].copy()
    eta = ETA0 * N / ALPHA**2
    f = lambda W, Xs: ALPHA / N * phi(Xs @ W.T).sum(axis=1)  # noqa: E731
    f0, f0t = f(W, X), f(W, Xt)
    train, test = [], []
    for _ in range(steps + 1):
        H = X @ W.T
        delta = ALPHA / N * phi(H).sum(axis=1) - f0 - y
        train.append(np.mean(delta**2))
        test.append(np.mean((f(W, Xt) - f0t - yt) ** 2))
        W -= eta * 2 / P * ALPHA / N * ((delta[:, None] * (1 + EPS * H)).T @ X)
    return np.array(train), np.array(test)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--numpy-steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--method", choices=("recursion", "ode"), default="recursion",
                    help="the N = infinity theory: the exact GD map (tens of ms a step at this "
                         "size) or its gradient flow (about 10^3 right-hand sides for 10^5 steps; "
                         "within 1e-2 of GD at eta0 = 1, docs/theory/grok.md §7.8)")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "grok_fig1_arrays"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    A = {"X": rng.standard_normal((P, D)) / np.sqrt(D),
         "test_X": rng.standard_normal((PT, D)) / np.sqrt(D),
         "beta": rng.standard_normal(D), "W0": rng.standard_normal((N, D))}
    A["y"] = 0.5 * (A["X"] @ A["beta"]) ** 2
    A["test_y"] = 0.5 * (A["test_X"] @ A["beta"]) ** 2
    for k, v in A.items():
        np.save(os.path.join(a.out, f"{k}.npy"), v)
    model = os.path.join(a.out, "fig1_arrays.ini")
    with open(model, "w") as fh:
        fh.write(f"""[model]
problem = dmft_grokking
seed = 1
[data]
D = {D}
P = {P}
test_points = {PT}
X_file = X.npy
y_file = y.npy
beta_file = beta.npy
test_X_file = test_X.npy
test_y_file = test_y.npy
[network]
N = {N}
alpha = {ALPHA}
eps = {EPS}
W0_file = W0.npy
[optimizer]
eta0 = {ETA0}
[theory]
method = {a.method}
[simulation]
runs = 1
horizon = {a.steps}
[output]
times = log(1, {a.steps}, 81)
""")
    out = os.path.join(a.out, "fig1_arrays.h5")
    hdsim = os.environ.get("HDSIM", os.path.join(ROOT, "build", "hdsim"))
    t0 = time.time()
    subprocess.run([hdsim, "run", "--quiet", model, "-o", out], check=True)
    print(f"hdsim: {time.time() - t0:.1f} s for {a.steps} steps (theory and network)")
    t0 = time.time()
    train, test = numpy_gd(A, a.numpy_steps)
    print(f"numpy: {time.time() - t0:.1f} s for {a.numpy_steps} steps")
    with h5py.File(out, "r") as f:
        t = f["simulation/t"][()].astype(int)
        k = t <= a.numpy_steps
        for name, ref in (("train", train), ("test_emp", test)):
            got = f["simulation"][name]["mean"][()][k]
            err = np.max(np.abs(got - ref[t[k]]) / np.abs(ref[t[k]]))
            print(f"(a) network vs numpy GD, {name}, t <= {a.numpy_steps}: max rel. diff {err:.2e}")
        for name in ("train", "test_pop"):
            th, sim = f["theory"][name][()], f["simulation"][name]["mean"][()]
            rel = np.abs(sim - th) / np.abs(th)
            j = int(np.argmax(rel))
            print(f"(b) N = 500 network vs N = inf theory, {name}: max rel. diff {rel.max():.3f} "
                  f"at t = {t[j]}, final {rel[-1]:.3f} ({sim[-1]:.4g} vs {th[-1]:.4g})")
        te_th, te_sim = f["theory/test_pop"][()], f["simulation/test_pop/mean"][()]
        for name, y in (("theory", te_th), ("network", te_sim)):
            below = np.nonzero(y < 0.1 * y[0])[0]
            print(f"    t_test(0.1 L0), {name}: {t[below[0]] if len(below) else 'never'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
