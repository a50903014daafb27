#!/usr/bin/env python3
"""The paper's Figure 1 as a 2x2 figure (gmm_multiclass, docs/theory/gmm.md §4.5).

usage: python3 plots/multiclass_figure1.py FIG1A.h5 FIG1B.h5 FIG1C.h5 FIG1D.h5 [-o FIGURE.png]

The four files are the sweeps written by `hdsim run models/multiclass_fig1{a,b,c,d}_*.ini`
(panels in that order), each over optimizer.lr and data.d.  Each panel: the population
risk against t = steps/d for every learning rate (one colour each), the ODE limit as a line
(from the largest d) and, for each d, the Monte Carlo band between the 5% and 95%
quantiles over runs (a 90% band, as in the paper), darker for the larger d.
"""
import os
import sys

from hdsim_plot import option, text  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402

TITLES = ["(a) isotropic, Gaussian mean", "(b) zero-one, mean in clean directions",
          r"(c) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0",
          r"(d) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0.5"]


def points(f):
    """[(lr, d, group)] of a sweep file (or of a single run)."""
    if "sweep" not in f:
        lr = float(f["parameters"].attrs.get("optimizer.lr", np.nan))
        d = int(f["parameters"].attrs.get("data.d", 0))
        return [(lr, d, f)]
    keys = text(f["sweep"].attrs["keys"]).split(",")
    n = int(f["sweep"].attrs["n_points"])
    lr = f["sweep/optimizer.lr"][()] if "optimizer.lr" in keys else [np.nan] * n
    d = f["sweep/data.d"][()] if "data.d" in keys else [0] * n
    return [(float(lr[k]), int(d[k]), f["points"][str(k)]) for k in range(n)]


def panel(ax, path, title):
    with h5py.File(path, "r") as f:
        pts = points(f)
        lrs = sorted({p[0] for p in pts})
        dims = sorted({p[1] for p in pts})
        colours = dict(zip(lrs, plt.cm.viridis(np.linspace(0, 0.85, len(lrs)))))
        for lr, d, g in pts:
            col = colours[lr]
            if "simulation" in g and "runs" in g["simulation/risk"]:
                t = g["simulation/t"][()]
                keep = t > 0
                lo, hi = np.nanquantile(g["simulation/risk/runs"][()], [0.05, 0.95], axis=0)
                k = dims.index(d)
                ax.fill_between(t[keep], lo[keep], hi[keep], color=col, lw=0,
                                alpha=0.15 + 0.25 * k / max(1, len(dims) - 1))
            if d == dims[-1] and "theory" in g:
                t = g["theory/t"][()]
                keep = t > 0
                ax.plot(t[keep], g["theory/risk"][()][keep], color=col, lw=1.5, label=f"lr = {lr:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("t = steps / d")
    ax.set_ylabel("population risk")
    ax.legend(fontsize=8, title=f"ODE; 90% MC bands, d = {', '.join(map(str, dims))}",
              title_fontsize=7)


def main(argv):
    args = argv[1:]
    out = option(args, "-o")
    if len(args) != 4:
        sys.exit(__doc__)
    out = out or os.path.join(os.path.dirname(args[0]) or ".", "multiclass_figure1.png")
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    for ax, path, title in zip(axes.ravel(), args, TITLES):
        panel(ax, path, title)
    fig.suptitle("Binary logistic SGD on two-class Gaussian mixtures (Figure 1 of arXiv 2510.14074)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
