#!/usr/bin/env python3
"""Draw a sweep written by `hdsim run` on a model with a [sweep] section.

usage: python3 plots/sweep.py SWEEP.h5 [-o FIGURE.png] [--observable NAME]

Left: the observable against t for every point, theory (dashed) over the Monte Carlo
mean (solid).  Right, when two keys are swept: the phase diagram of the observable's
final value over the two swept parameters (theory as colour, Monte Carlo mean written
in each cell); with one key, the final value against it.
"""
import os
import sys

from hdsim_plot import option, text as s  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402


def column(f, key):
    v = f["sweep"][key][()]
    return np.array([s(x) for x in v]) if v.dtype.kind in "OS" else v


def main(argv):
    args = argv[1:]
    out = option(args, "-o")
    obs = option(args, "--observable")
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    out = out or os.path.splitext(path)[0] + ".png"
    with h5py.File(path, "r") as f:
        if "sweep" not in f:
            sys.exit(f"{path}: not a sweep (no /sweep group)")
        keys = s(f["sweep"].attrs["keys"]).split(",")
        n = int(f["sweep"].attrs["n_points"])
        obs = obs or s(f.attrs["observables"]).split(",")[0]
        fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
        colors = plt.cm.viridis(np.linspace(0, 0.9, n))
        final_th, final_mc = np.full(n, np.nan), np.full(n, np.nan)
        for p in range(n):
            g = f["points"][str(p)]
            label = ", ".join(f"{k.split('.')[-1]} = {s(g.attrs[k])}" for k in keys)
            if "simulation" in g:
                t, m = g["simulation/t"][()], g["simulation"][obs]["mean"][()]
                a.plot(t[t > 0], m[t > 0], color=colors[p], lw=1.2, label=label)
                final_mc[p] = m[-1]
            if "theory" in g:
                t, th = g["theory/t"][()], g["theory"][obs][()]
                a.plot(t[t > 0], th[t > 0], color=colors[p], lw=1, ls="--")
                final_th[p] = th[-1]
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("t")
        a.set_ylabel(obs)
        a.set_title("Monte Carlo mean (solid) and theory (dashed)", fontsize=10)
        a.legend(fontsize=6, ncol=2)
        final = np.where(np.isfinite(final_th), final_th, final_mc)
        if len(keys) == 2:
            x, y = column(f, keys[1]), column(f, keys[0])  # first key varies slowest: rows
            xs, ys = list(dict.fromkeys(x.tolist())), list(dict.fromkeys(y.tolist()))
            grid = final.reshape(len(ys), len(xs))
            positive = np.all(grid[np.isfinite(grid)] > 0)
            im = b.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), grid,
                              norm=LogNorm() if positive else None, cmap="magma")
            fig.colorbar(im, ax=b, label=f"final {obs} (theory)")
            for i in range(len(ys)):
                for j in range(len(xs)):
                    v = final_mc.reshape(len(ys), len(xs))[i, j]
                    b.text(j + 0.5, i + 0.5, f"{v:.3g}", ha="center", va="center", fontsize=7,
                           color="white")
            b.set_xticks(np.arange(len(xs)) + 0.5, [str(v) for v in xs])
            b.set_yticks(np.arange(len(ys)) + 0.5, [str(v) for v in ys])
            b.set_xlabel(keys[1])
            b.set_ylabel(keys[0])
            b.set_title(f"final {obs}: theory (colour), Monte Carlo mean (numbers)", fontsize=10)
        else:
            x = column(f, keys[0])
            b.plot(x, final_th, "k--o", label="theory")
            b.plot(x, final_mc, "o", color="tab:blue", label="Monte Carlo mean")
            b.set_xlabel(keys[0])
            b.set_ylabel(f"final {obs}")
            b.set_yscale("log")
            b.legend(fontsize=8)
        fig.suptitle(f"{s(f.attrs['problem'])}: sweep over {', '.join(keys)}")
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
