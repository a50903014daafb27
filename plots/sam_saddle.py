#!/usr/bin/env python3
"""Saddle escape of the SAM family (spec sam.md §3.7): |x_-| along the negative-curvature
direction, per run, for one or more sam_quadratic output files run with per_direction = true.

usage: python3 plots/sam_saddle.py OUT1.h5 [OUT2.h5 ...] [-o FIGURE.png] [--direction I]

Faint lines: individual runs, sqrt(m2_I); thick line: sqrt of the mean of m2_I (the exact
recursion's value when the file has a theory, dashed).  The escape threshold |x_-| = 1 is
drawn; USAM is trapped iff rho > 1/|lambda_-|.  I defaults to the most negative eigenvalue.
"""
import os
import sys

import hdsim_plot  # noqa: F401  (re-executes with Debian's python3 if needed)
import numpy as np
import h5py
import matplotlib.pyplot as plt  # noqa: E402


s = hdsim_plot.text


def main(argv):
    args = list(argv[1:])
    out, direction = None, None
    if "-o" in args:
        i = args.index("-o")
        out = args[i + 1]
        del args[i:i + 2]
    if "--direction" in args:
        i = args.index("--direction")
        direction = int(args[i + 1])
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    out = out or os.path.splitext(args[0])[0] + "_saddle.png"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, path in enumerate(args):
        color = f"C{k}"
        with h5py.File(path, "r") as f:
            p = f["parameters"].attrs
            lam = np.atleast_1d(p["quadratic.eigenvalues"]).astype(float)  # a real list
            if direction is None and lam.size == 0:
                sys.exit(f"{path}: H is not given as a list; choose one with --direction")
            i = direction if direction is not None else int(np.argmin(lam))
            name = f"m2_{i}"
            if name not in f["simulation"]:
                sys.exit(f"{path}: no {name}; run with [sde] per_direction = true")
            lab = f"{s(p['optimizer.algorithm'])} ρ = {float(p['optimizer.rho']):g}"
            t = f["simulation/t"][()]
            runs = f["simulation"][name]["runs"][()]
            hit = runs > 1.0  # escape: |x_-| > 1
            esc = hit.any(axis=1)
            if esc.any():
                steps = f["simulation/steps"][()][np.argmax(hit[esc], axis=1)]
                lab += f" [escaped {esc.sum()}/{len(runs)}, median step {np.median(steps):.0f}]"
            else:
                lab += f" [escaped 0/{len(runs)}]"
            for r in runs[:30]:
                ax.plot(t[1:], np.sqrt(r[1:]), color=color, alpha=0.15, lw=0.6)
            ax.plot(t[1:], np.sqrt(np.nanmean(runs, axis=0))[1:], color=color, lw=1.6,
                    label=f"{lab}: √(mean x²), Monte Carlo")
            if "theory" in f:
                ax.plot(f["theory/t"][1:], np.sqrt(f["theory"][name][1:]), color=color, lw=1.2,
                        ls="--", label=f"{lab}: exact")
    ax.axhline(1.0, color="black", lw=0.8, ls=":", label="escape |x₋| = 1")
    ax.set_yscale("log")
    ax.set_xlabel("t = k η")
    ax.set_ylabel("|x₋|")
    ax.set_title(f"saddle, λ = ({', '.join(f'{x:g}' for x in lam)})", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
