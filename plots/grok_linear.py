#!/usr/bin/env python3
"""Grokking in linear estimators (Levi et al.; spec dmft_grokking.md §4.1) from a
grok_linear_estimator output file.

usage: python3 plots/grok_linear.py OUT.h5 [-o FIGURE.png]

Left: train and generalisation losses, theory (dashed) and the finite-d Monte Carlo mean
(solid), with the level eps_acc/4 at which the accuracy reaches ~95 %.  Right: the two
accuracies A = erf(sqrt(eps_acc / (2 L))).  Prints the times t_train, t_gen at which the
theory losses cross eps_acc/4, the measured delay, and the late-time prediction
Delta t_grok = ln(1/(1 - sqrt(lambda))) / (2 eta (1 - sqrt(lambda))^2) (lambda < 1).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grok_common import option, curve, first_below, h5py, np, param  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    args = list(argv[1:])
    out = option(args, "-o")
    if len(args) != 1:
        sys.exit(__doc__)
    path = args[0]
    out = out or os.path.splitext(path)[0] + "_linear.png"
    with h5py.File(path, "r") as f:
        lam, eta = float(param(f, "data", "lambda")), float(param(f, "optimizer", "eta"))
        eps = float(param(f, "observables", "acc_eps"))
        fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
        for src, ls in (("theory", "--"), ("simulation", "-")):
            if src not in f:
                continue
            for name, c in (("train", "tab:blue"), ("gen", "tab:red")):
                t, y = curve(f, name, src)
                k = t > 0
                ax[0].plot(t[k], y[k], ls=ls, color=c, label=f"{name} ({src})")
            for name, c in (("acc_train", "tab:blue"), ("acc_gen", "tab:red")):
                t, y = curve(f, name, src)
                k = t > 0
                ax[1].plot(t[k], y[k], ls=ls, color=c, label=f"{name} ({src})")
        ax[0].axhline(eps / 4, color="black", lw=0.8, label="eps_acc / 4")
        src = "theory" if "theory" in f else "simulation"
        t, tr = curve(f, "train", src)
        _, ge = curve(f, "gen", src)
        ttr, tge = first_below(t, tr, eps / 4), first_below(t, ge, eps / 4)
        msg = f"{path} ({src}): t_train = {ttr:g}, t_gen = {tge:g}, delay = {tge - ttr:g}"
        if lam < 1:
            s = np.sqrt(lam)
            msg += f"; late-time asymptotic formula (§4.1) {np.log(1 / (1 - s)) / (2 * eta * (1 - s) ** 2):.4g}"
        print(msg)
        for a in ax:
            a.set_xscale("log")
            a.set_xlabel("t (GD steps)")
            a.legend(fontsize=7)
        ax[0].set_yscale("log")
        ax[0].set_title(f"lambda = {lam:g}, eta = {eta:g}", fontsize=10)
        ax[1].set_title("accuracy erf(sqrt(eps_acc / 2L))", fontsize=10)
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
