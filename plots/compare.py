#!/usr/bin/env python3
"""Theory vs simulation for every observable in an hdsim output file.

usage: python3 plots/compare.py OUT.h5 [-o FIGURE.png] [--no-runs]

One panel per observable: the deterministic theory (line), the Monte Carlo mean with a
band of +-1 standard error, and the individual runs drawn faint.  Axes are logarithmic
where the observable's attributes (log_x, log_y, set from the spec) say so.  A last
panel shows the relative error of the mean against the theory.
"""
import os
import sys

from hdsim_plot import option, text  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402


def observables(f):
    if "observables" in f.attrs:
        return [n for n in text(f.attrs["observables"]).split(",") if n]
    names = []
    if "theory" in f:
        names = [k for k in f["theory"] if k != "t"]
    if "simulation" in f:
        for k in f["simulation"]:
            if isinstance(f["simulation"][k], h5py.Group) and k not in names:
                names.append(k)
    return names


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    show_runs = "--no-runs" not in argv
    out = option(args, "-o")
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    out = out or os.path.splitext(path)[0] + ".png"
    with h5py.File(path, "r") as f:
        if "sweep" in f:
            sys.exit(f"{path} is a sweep: draw it with plots/sweep.py")
        names = observables(f)
        if not names:
            sys.exit(f"{path}: no observables found")
        n = len(names) + (1 if "compare" in f else 0)
        cols = min(3, n)
        rows = (n + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.8 * rows), squeeze=False)
        axes = axes.ravel()
        title = f"{text(f.attrs['problem'])}: {os.path.basename(path)}"
        status = text(f.attrs.get("status", "complete"))
        if status != "complete":
            title += f"  [{status}]"
        fig.suptitle(title)
        for ax, name in zip(axes, names):
            meta = f["theory"][name] if "theory" in f else f["simulation"][name]
            logx, logy = int(meta.attrs.get("log_x", 0)), int(meta.attrs.get("log_y", 0))
            if "simulation" in f:
                t = f["simulation/t"][()]
                g = f["simulation"][name]
                keep = t > 0 if logx else np.ones_like(t, bool)
                if show_runs and "runs" in g:
                    runs = g["runs"][()]
                    for r in runs[: min(len(runs), 50)]:
                        ax.plot(t[keep], r[keep], color="tab:blue", alpha=0.12, lw=0.6)
                m, s = g["mean"][()], g["stderr"][()]
                ax.fill_between(t[keep], (m - s)[keep], (m + s)[keep], color="tab:blue", alpha=0.35,
                                lw=0, label="simulation mean ± s.e.")
                ax.plot(t[keep], m[keep], color="tab:blue", lw=1.2)
            if "theory" in f:
                t = f["theory/t"][()]
                keep = t > 0 if logx else np.ones_like(t, bool)
                method = text(f["theory"].attrs.get("method", "theory"))
                ax.plot(t[keep], f["theory"][name][()][keep], color="black", lw=1.4, ls="--",
                        label=f"theory ({method})")
            if logx:
                ax.set_xscale("log")
            if logy:
                ax.set_yscale("log")
            desc = text(meta.attrs.get("description", ""))
            ax.set_title(f"{name}\n{desc}" if len(desc) < 70 else name, fontsize=8)
            ax.set_xlabel("t = steps / d")
            unit = text(meta.attrs.get("unit", ""))
            ax.set_ylabel(name + (f" [{unit}]" if unit else ""))
            ax.legend(fontsize=7)
        if "compare" in f:
            ax = axes[len(names)]
            t = f["simulation/t"][()]
            keep = t > 0
            for name in names:
                rel = f["compare"][name]["rel"][()]
                ax.plot(t[keep], np.abs(rel[keep]), label=name, lw=1)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title("|mean − theory| / theory", fontsize=10)
            ax.set_xlabel("t = steps / d")
            ax.legend(fontsize=7)
        for ax in axes[n:]:
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
