#!/usr/bin/env python3
"""Draw a finite-size ladder written by `hdsim validate`.

usage: python3 plots/ladder.py LADDER.h5 [-o FIGURE.png]

Left: the fitted statistic against the size on log-log axes with its error bars, the
fitted line and the expected slope through the last point.  Right: theory and
simulation mean (± s.e.) at every rung, for the observable the ladder was built on.
"""
import os
import sys

from hdsim_plot import option, text as s  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    args = argv[1:]
    out = option(args, "-o")
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    out = out or os.path.splitext(path)[0] + ".png"
    with h5py.File(path, "r") as f:
        size = f["ladder/size"][()]
        stat = f["ladder/statistic"][()]
        se = f["ladder/statistic_log_se"][()]
        fit = f["fit"].attrs
        slope, sse, expected = fit["slope"], fit["slope_se"], fit["expected"]
        kind = s(fit["statistic"])
        key, obs = s(f.attrs["size_parameter"]), s(f.attrs["observable"])
        fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
        a.errorbar(size, stat, yerr=[stat * (1 - np.exp(-se)), stat * (np.exp(se) - 1)], fmt="o",
                   color="tab:blue", capsize=3, label=f"{kind} error of {obs}")
        xs = np.geomspace(size.min(), size.max(), 50)
        logx, logy = np.log(size), np.log(stat)
        w = 1 / se ** 2
        intercept = (np.sum(w * logy) - slope * np.sum(w * logx)) / np.sum(w)
        a.plot(xs, np.exp(intercept) * xs ** slope, color="tab:blue",
               label=f"fit: slope {slope:.3f} ± {1.96 * sse:.3f} (95%)")
        a.plot(xs, stat[-1] * (xs / size[-1]) ** expected, "k--", lw=1,
               label=f"expected slope {expected:g}")
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel(key)
        a.set_ylabel("sup over t of the relative error")
        a.set_title(f"{s(f.attrs['problem'])}: finite-size ladder", fontsize=10)
        a.legend(fontsize=8)
        colors = plt.cm.viridis(np.linspace(0, 0.85, len(size)))
        for k, c in zip(sorted(f["rungs"], key=int), colors):
            g = f["rungs"][k]
            t, th, m, e = g["t"][()], g["theory"][()], g["mean"][()], g["stderr"][()]
            keep = t > 0
            b.fill_between(t[keep], (m - e)[keep], (m + e)[keep], color=c, alpha=0.3, lw=0)
            b.plot(t[keep], m[keep], color=c, lw=1, label=f"{key} = {g.attrs['size']:g} ({g.attrs['runs']} runs)")
            b.plot(t[keep], th[keep], color=c, lw=1, ls="--")
        b.set_xscale("log")
        b.set_yscale("log")
        b.set_xlabel("t")
        b.set_ylabel(obs)
        b.set_title("simulation mean ± s.e. (solid), theory (dashed)", fontsize=10)
        b.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
