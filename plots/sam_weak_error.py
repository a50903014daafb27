#!/usr/bin/env python3
"""Weak error of the SAM-family SDEs (spec sam.md §3.4, §5.2), from the CSV files written by
the validation program (build/tests/sam_weak_error OUTDIR; docs/theory/sam.md §3.4;
reference output in data/sam_weak_error/).

usage: python3 plots/sam_weak_error.py DIR [-o FIGURE.png]

Left: max_k |E f(x_k) - E f(X_{k eta})| against eta with rho = sqrt(eta), log-log, with the
fitted slopes in the legend (USAM: exact closed forms; DNSAM: coupled Monte Carlo with its
standard error as error bars).  Right (if DIR/rho_sweep.csv exists): the authors' metric
max_k |g_alg - g_SDE| / mean_k |g_alg|, g = ||x|| + ||grad f||, against rho, with dashed
lines at rho = eta and rho = sqrt(eta).
"""
import csv
import os
import sys

import hdsim_plot  # noqa: F401  (re-executes with Debian's python3 if needed)
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["comparison"], []).append({k: (v if k == "comparison" else float(v))
                                                         for k, v in r.items()})
    return rows


def main(argv):
    args = list(argv[1:])
    out = None
    if "-o" in args:
        i = args.index("-o")
        out = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    d = args[0]
    out = out or os.path.join(d, "sam_weak_error.png")
    sweep = os.path.join(d, "rho_sweep.csv")
    n = 2 if os.path.exists(sweep) else 1
    fig, axes = plt.subplots(1, n, figsize=(6 * n, 4.5), squeeze=False)
    ax = axes[0, 0]
    for name, rows in read(os.path.join(d, "weak_error.csv")).items():
        eta = np.array([r["eta"] for r in rows])
        err = np.array([r["error"] for r in rows])
        se = np.array([r["stderr"] for r in rows])
        slope = np.polyfit(np.log(eta), np.log(err), 1)[0]
        ax.errorbar(eta, err, yerr=se if se.any() else None, marker="o", ms=4, capsize=2,
                    ls="--" if "S1a" in name else "-", label=f"{name} (slope {slope:.2f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate η  (ρ = √η)")
    ax.set_ylabel("max_k |E f(x_k) − E f(X_kη)|")
    ax.set_title("weak error, H = diag(1, .5, .1), Σ = .01 I, T = 5", fontsize=10)
    ax.legend(fontsize=7)
    if n == 2:
        ax = axes[0, 1]
        for name, rows in read(sweep).items():
            rho = np.array([r["rho"] for r in rows])
            err = np.array([r["error"] for r in rows])
            if len(rows) == 1:
                ax.axhline(err[0], color="grey", lw=1, ls=":", label=f"{name} (no ρ)")
            else:
                ax.plot(rho, err, marker="o", ms=4, label=name)
        eta = 0.01
        for x, lab, ls in ((eta, "ρ = η", "--"), (np.sqrt(eta), "ρ = √η", "-.")):
            ax.axvline(x, color="black", ls=ls, lw=0.8, label=lab)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("ρ")
        ax.set_ylabel("max_k |ḡ_alg − ḡ_SDE| / mean_k |ḡ_alg|")
        ax.set_title("authors' metric, quadratic d = 20, η = .01 (EM h = η/4)", fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
