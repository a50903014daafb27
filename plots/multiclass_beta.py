#!/usr/bin/env python3
"""The beta phase transition (gmm_multiclass, docs/theory/gmm.md §3.2).

usage: python3 plots/multiclass_beta.py SWEEP.h5 [PLATEAU.h5] [-o FIGURE.png]

SWEEP.h5: models/multiclass_beta_limit.ini's sweep over data.mean_beta (d -> infinity
theory); PLATEAU.h5 (optional): models/multiclass_beta_plateau.ini (finite-d Monte Carlo
at beta = 0.5).  Draws R(t) per beta, the
local exponent dlog R / dlog t, and the finite-d plateau with its Monte Carlo; prints a
table and checks the sweep's assertions (exit status 1 if one fails).
"""
import os
import sys

from hdsim_plot import option, text  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402

ALPHA_MIN = 1.1


def slope(t, R, t0, t1):
    i, j = np.argmin(abs(np.log(t / t0))), np.argmin(abs(np.log(t / t1)))
    return (np.log(R[j]) - np.log(R[i])) / (np.log(t[j]) - np.log(t[i]))


def main(argv):
    args = argv[1:]
    out = option(args, "-o")
    if len(args) not in (1, 2):
        sys.exit(__doc__)
    out = out or os.path.splitext(args[0])[0] + ".png"
    runs = []
    with h5py.File(args[0], "r") as f:
        if "sweep" not in f or "data.mean_beta" not in text(f["sweep"].attrs["keys"]).split(","):
            sys.exit(f"{args[0]}: not a sweep over data.mean_beta")
        betas = f["sweep/data.mean_beta"][()]
        for k, beta in enumerate(betas):
            g = f["points"][str(k)]
            runs.append((float(beta), g["theory/t"][()], g["theory/risk"][()]))
    runs.sort(key=lambda r: r[0])
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    cols = plt.cm.plasma(np.linspace(0, 0.85, len(runs)))
    failures = []
    print(f"{'beta':>6} {'a_min-2b':>9} {'R(1e4)':>10} {'R(1e6)':>10} {'R(end)':>10} {'slope 1e4-1e6':>14} {'slope at end':>13}  phase")
    for (beta, t, R), col in zip(runs, cols):
        keep = t > 0
        t, R = t[keep], R[keep]
        s_long, s_end = slope(t, R, 1e4, 1e6), slope(t, R, t[-1] / 3, t[-1])
        crit = ALPHA_MIN - 2 * beta
        phase = "falling" if s_end < -0.1 else "plateau" if abs(s_end) < 0.01 else "slow"
        print(f"{beta:6.3f} {crit:9.3f} {np.interp(1e4, t, R):10.5f} {np.interp(1e6, t, R):10.6f} "
              f"{R[-1]:10.6f} {s_long:14.4f} {s_end:13.5f}  {phase}")
        axes[0].plot(t, R, color=col, label=rf"$\beta$ = {beta:g} ($\alpha_{{min}}-2\beta$ = {crit:.2f})")
        lt, lr = np.log(t), np.log(R)
        axes[1].plot(t[1:], np.diff(lr) / np.diff(lt), color=col)
        if beta == 0 and not (-0.55 < s_long < -0.40):
            failures.append(f"beta = 0: exponent {s_long:.3f} over 1e4..1e6, expected about -0.48")
        if beta >= 0.2 and not (abs(s_end) < 0.01 and R[-1] > 0.05):
            failures.append(f"beta = {beta}: no plateau by t = {t[-1]:g} (exponent {s_end:.4f}, R {R[-1]:.4g})")
    for ax in axes[:2]:
        ax.set_xscale("log")
        ax.set_xlabel("t = steps / d")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("population risk (d -> infinity ODE)")
    axes[0].legend(fontsize=7)
    axes[0].set_title("loss -> 0 iff alpha_min - 2 beta >= 1 (spec §3.2)", fontsize=10)
    axes[1].set_ylabel("local exponent dlog R / dlog t")
    axes[1].axhline(-0.48, color="grey", ls=":", lw=1)
    axes[1].set_title("beta = 0 decays like t^-0.48; beta > 0.05 flattens", fontsize=10)
    mc = args[1] if len(args) == 2 else None
    if mc:
        with h5py.File(mc, "r") as f:
            t = f["simulation/t"][()]
            m, se = f["simulation/risk/mean"][()], f["simulation/risk/stderr"][()]
            th = f["theory/risk"][()]
        keep = t > 0
        axes[2].fill_between(t[keep], (m - 2 * se)[keep], (m + 2 * se)[keep], alpha=0.4,
                             label="Monte Carlo mean +- 2 s.e.")
        axes[2].plot(t[keep], th[keep], "k--", label="per-mode ODE")
        axes[2].set_xscale("log")
        axes[2].set_title("beta = 0.5 plateau at d = 500", fontsize=10)
        axes[2].set_xlabel("t = steps / d")
        axes[2].legend(fontsize=8)
        bad = np.abs(m - th)[keep] > (4 * se + 0.02 * th)[keep]
        print(f"finite-d plateau: ODE R({t[-1]:g}) = {th[-1]:.5f}, Monte Carlo {m[-1]:.5f} +- {se[-1]:.5f}")
        if bad.any():
            failures.append("beta = 0.5 finite-d plateau: Monte Carlo off the ODE by more than 4 s.e. + 2%")
    else:
        axes[2].axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)
    for msg in failures:
        print("FAIL:", msg)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv)
