#!/usr/bin/env python3
"""Grokking curves of one dmft_grokking output file (Kumar et al. Fig. 1 and Fig. 4).

usage: python3 plots/grok_losses.py OUT.h5 [-o FIGURE.png] [--theta 0.1]

Panels: (a) train and test loss, theory (N = infinity, dashed) and finite-N networks
(mean +- s.e.), with the kernel-regression baseline kmse (black line of Fig. 1) and the
grokking times t(theta) = first time loss < theta * L(0) (spec §1.4.9); (b) the eq. 6
decomposition of the test loss (variance, misalignment, linear power); (c) weight norm
sqrt(Tr M) and relative parameter change; (d) feature alignment (overlap, cosine, CKA).
Prints the grokking times and the delay.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grok_common import option, as_str, curve, first_below, h5py, np  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    args = list(argv[1:])
    out, theta = None, 0.1
    out = option(args, "-o", out)
    theta = float(option(args, "--theta", theta))
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    out = out or os.path.splitext(path)[0] + "_losses.png"
    with h5py.File(path, "r") as f:
        sources = [s for s in ("theory", "simulation") if s in f]
        fig, ax = plt.subplots(2, 2, figsize=(11, 8))
        ax = ax.ravel()
        style = {"theory": dict(ls="--", lw=1.6), "simulation": dict(ls="-", lw=1.2)}
        label = {"theory": "N = inf", "simulation": "finite N (mean)"}
        for src in sources:
            for name, color in (("train", "tab:blue"), ("test_pop", "tab:red"),
                                ("test_emp", "tab:orange")):
                t, y = curve(f, name, src)
                k = t > 0
                ax[0].plot(t[k], y[k], color=color, label=f"{name}, {label[src]}", **style[src])
                if src == "simulation":
                    s = f["simulation"][name]["stderr"][()]
                    ax[0].fill_between(t[k], (y - s)[k], (y + s)[k], color=color, alpha=0.25, lw=0)
            for name, color in (("var", "tab:green"), ("mis", "tab:purple"), ("lin", "tab:brown")):
                t, y = curve(f, name, src)
                k = t > 0
                ax[1].plot(t[k], y[k], color=color, label=f"{name}, {label[src]}", **style[src])
            for name, color in (("wnorm", "tab:blue"), ("relchange", "tab:red")):
                t, y = curve(f, name, src)
                k = t > 0
                ax[2].plot(t[k], y[k], color=color, label=f"{name}, {label[src]}", **style[src])
            names = ["overlap", "cosine"] + (["cka"] if "cka" in f[src] else [])
            for name, color in zip(names, ("tab:blue", "tab:green", "tab:red")):
                t, y = curve(f, name, src)
                k = t > 0
                ax[3].plot(t[k], y[k], color=color, label=f"{name}, {label[src]}", **style[src])
        src = sources[0]
        t, tr = curve(f, "train", src)
        _, te = curve(f, "test_pop", src)
        kmse = curve(f, "kmse", src)[1][0] if "kmse" in f[src] else np.nan
        if np.isfinite(kmse):
            ax[0].axhline(kmse, color="black", lw=1, label="kernel regression, initial NTK")
        ttr, tte = first_below(t, tr, theta * tr[0]), first_below(t, te, theta * te[0])
        for tt, c in ((ttr, "tab:blue"), (tte, "tab:red")):
            if np.isfinite(tt):
                ax[0].axvline(tt, color=c, lw=0.8, ls=":")
        print(f"{path} ({src}): t_train({theta:g} L0) = {ttr:g}, t_test({theta:g} L0) = {tte:g}, "
              f"delay = {tte - ttr:g}; test max/L0 = {te.max() / te[0]:.3f}; kmse = {kmse:.4g}")
        titles = ["losses (dotted: grokking times)", "test loss decomposition (eq. 6)",
                  "weights", "feature alignment"]
        for a, title in zip(ax, titles):
            a.set_xscale("log")
            a.set_xlabel("t (GD steps)")
            a.set_title(title, fontsize=10)
            a.legend(fontsize=6)
        for a in ax[:2]:
            a.set_yscale("log")
        ax[2].set_yscale("log")
        fig.suptitle(f"{as_str(f.attrs['problem'])}: {os.path.basename(path)}")
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
