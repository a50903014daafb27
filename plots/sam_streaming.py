#!/usr/bin/env python3
"""High-dimensional SAM-family risk curves (spec sam.md §4): theory (ODE H4-H8) against the
Monte Carlo of the real algorithms, several sam_streaming output files on one figure.

usage: python3 plots/sam_streaming.py OUT1.h5 [OUT2.h5 ...] [-o FIGURE.png]

Panels: risk (log-log) and effective step gamma A(v, G) (DNSAM's gamma_D, SAM's gamma M(v)).
Each file is labelled by its algorithm, rho_bar and theory form; a file whose theory is the
truncated first-order form is drawn dotted, and a theory that stopped (singular at v = 0,
§4.5) ends where it stopped.  The §4.4 stationary value, when the file's note has one, is a
thin horizontal line.
"""
import os
import re
import sys

try:
    import h5py
    import numpy as np
    import matplotlib
except ImportError:
    debian = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(debian) and os.path.exists(debian) \
            and not os.environ.get("HDSIM_PLOT_REEXEC"):
        os.environ["HDSIM_PLOT_REEXEC"] = "1"
        os.execv(debian, [debian] + sys.argv)
    sys.exit("sam_streaming.py needs numpy, h5py and matplotlib")

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def label(f):
    p = f["parameters"].attrs
    alg = s(p["optimizer.algorithm"])
    form = s(p["sde.form"])
    lab = f"{alg}" + (f" ρ̄={float(p['optimizer.rho_bar']):g}" if alg != "sgd" else "")
    return lab + (" (truncated)" if form == "truncated" else ""), form == "truncated"


def main(argv):
    args = list(argv[1:])
    out = None
    if "-o" in args:
        i = args.index("-o")
        out = args[i + 1]
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    out = out or os.path.splitext(args[0])[0] + "_family.png"
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for k, path in enumerate(args):
        color = f"C{k}"
        with h5py.File(path, "r") as f:
            lab, trunc = label(f)
            d = int(f["parameters"].attrs["data.d"])
            for ax, name in zip(axes, ("risk", "effective_lr")):
                if "theory" in f:
                    t = f["theory/t"][()]
                    y = f["theory"][name][()]
                    keep = (t > 0) & np.isfinite(y)
                    ax.plot(t[keep], y[keep], color=color, lw=1.4, ls=":" if trunc else "-",
                            label=f"{lab}: ODE")
                if "simulation" in f:
                    t = f["simulation/t"][()]
                    m, e = f["simulation"][name]["mean"][()], f["simulation"][name]["stderr"][()]
                    keep = t > 0
                    ax.errorbar(t[keep], m[keep], yerr=e[keep], color=color, fmt="o", ms=3,
                                capsize=1.5, label=f"{lab}: Monte Carlo, d = {d}")
            note = s(f["diagnostics"].attrs.get("warnings", "")) if "diagnostics" in f else ""
            mt = re.search(r"stationary risk \(spec §4.4\): ([0-9.eE+-]+)", note)
            if mt and float(mt.group(1)) > 0:
                axes[0].axhline(float(mt.group(1)), color=color, lw=0.6, ls="--")
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("risk R = v/2")
    axes[1].set_xscale("log")
    axes[1].set_ylabel("effective step γ A(v, G)")
    for ax in axes:
        ax.set_xlabel("t = steps / d")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
