#!/usr/bin/env python3
"""The paper's Figure 1 as a 2x2 figure (gmm_multiclass, spec multiclass_sgd.md §4.5).

usage: python3 plots/multiclass_figure1.py DIR [-o FIGURE.png]

DIR holds the files validation/multiclass_figure1.sh writes, fig1<panel>_lr<lr>_d<d>.h5.
Each panel: the population risk against t = steps/d for every learning rate (one colour
each): the ODE limit as a line (from the largest d) and, for each d, the Monte Carlo
band between the 5% and 95% quantiles over runs (a 90% band, as in the paper), lighter
for the smaller d.
"""
import glob
import os
import re
import sys

from multiclass_common import parse_dir_args, require_modules

require_modules("multiclass_figure1.py")
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

PANELS = {
    "a": "(a) isotropic, Gaussian mean",
    "b": "(b) zero-one, mean in clean directions",
    "c": r"(c) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0",
    "d": r"(d) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0.5",
}
NAME = re.compile(r"fig1([abcd])_lr([0-9.]+)_d([0-9]+)\.h5$")


def main(argv):
    directory, out = parse_dir_args(argv, __doc__, "figure1.png")
    files = {}
    for path in glob.glob(os.path.join(directory, "fig1*_lr*_d*.h5")):
        m = NAME.search(os.path.basename(path))
        if m:
            files[(m.group(1), float(m.group(2)), int(m.group(3)))] = path
    if not files:
        sys.exit(f"{directory}: no fig1<panel>_lr<lr>_d<d>.h5 files")
    lrs = sorted({k[1] for k in files})
    dims = sorted({k[2] for k in files})
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(lrs)))
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    for ax, (panel, title) in zip(axes.ravel(), PANELS.items()):
        for lr, col in zip(lrs, colours):
            for k, d in enumerate(dims):
                path = files.get((panel, lr, d))
                if not path:
                    continue
                with h5py.File(path, "r") as f:
                    if "simulation" in f and "runs" in f["simulation/risk"]:
                        t = f["simulation/t"][()]
                        runs = f["simulation/risk/runs"][()]
                        keep = t > 0
                        lo, hi = np.nanquantile(runs, [0.05, 0.95], axis=0)
                        ax.fill_between(t[keep], lo[keep], hi[keep], color=col, lw=0,
                                        alpha=0.18 + 0.22 * k / max(1, len(dims) - 1))
                    if d == dims[-1] and "theory" in f:
                        t = f["theory/t"][()]
                        keep = t > 0
                        ax.plot(t[keep], f["theory/risk"][()][keep], color=col, lw=1.5,
                                label=f"lr = {lr:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("t = steps / d")
        ax.set_ylabel("population risk")
        ax.legend(fontsize=8, title=f"ODE; 90% MC bands, d = {', '.join(map(str, dims))}",
                  title_fontsize=7)
    fig.suptitle("Binary logistic SGD on two-class Gaussian mixtures (Figure 1 of arXiv 2510.14074)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
