#!/usr/bin/env python3
"""Which directions SGD learns (gmm_multiclass, docs/theory/gmm.md §1.4, §3.2).

usage: python3 plots/multiclass_bands.py OUT.h5 [-o FIGURE.png]

For an output file with spectral bands: the mean overlap (margin) and the projected norm
carried by each band against t, theory as lines and the Monte Carlo mean as dots, and
each band's share of the total margin (with a clean band of zero-variance modes, its
share is the phase-transition diagnostic: it tends to 1 when the loss goes to zero).
"""
import os
import re
import sys

from hdsim_plot import option  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402


def series(f, group, name):
    if group not in f or name not in f[group]:
        return None, None
    t = f[group + "/t"][()]
    v = f[group][name]
    v = v["mean"][()] if isinstance(v, h5py.Group) else v[()]
    keep = t > 0
    return t[keep], v[keep]


def main(argv):
    args = argv[1:]
    out = option(args, "-o")
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    out = out or os.path.splitext(path)[0] + "_bands.png"
    with h5py.File(path, "r") as f:
        names = [n for n in (f["theory"] if "theory" in f else f["simulation"])]
        bands = sorted({int(m.group(1)) for n in names for m in [re.match(r"band_(\d+)_norm$", n)] if m})
        if not bands:
            sys.exit(f"{path}: no band observables (needs >= 2 spectral bands)")
        desc = {n: (f["theory"] if "theory" in f else f["simulation"])[n].attrs.get("description", b"")
                for n in names}
        fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
        cols = plt.cm.viridis(np.linspace(0, 0.9, len(bands)))
        total = {}
        for grp, style in (("theory", "-"), ("simulation", "o")):
            tot = None
            for k in bands:
                t, v = series(f, grp, f"band_{k}_margin")
                if v is not None:
                    tot = v.copy() if tot is None else tot + v
            total[grp] = tot
        for k, col in zip(bands, cols):
            d = desc.get(f"band_{k}_norm", b"")
            d = d.decode() if isinstance(d, bytes) else str(d)
            label = "clean band" if "clean" in d else f"band {k}"
            for grp, style in (("theory", "-"), ("simulation", "o")):
                kw = dict(color=col, ms=3, lw=1.3) if style == "-" else dict(color=col, ms=3, ls="none")
                lab = label if style == "-" else None
                t, v = series(f, grp, f"band_{k}_margin")
                if v is None:
                    continue
                axes[0].plot(t, v, style, label=lab, **kw)
                t2, n = series(f, grp, f"band_{k}_norm")
                axes[1].plot(t2, n, style, label=lab, **kw)
                with np.errstate(invalid="ignore", divide="ignore"):
                    axes[2].plot(t, v / total[grp], style, label=lab, **kw)
        for ax, title in zip(axes, ("mean overlap (margin) per band", "projected norm per band",
                                    "share of the margin per band")):
            ax.set_xscale("log")
            ax.set_xlabel("t = steps / d")
            ax.set_title(title, fontsize=10)
            ax.legend(fontsize=7)
        axes[1].set_yscale("log")
        fig.suptitle(f"{os.path.basename(path)}: lines theory, dots Monte Carlo mean")
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
