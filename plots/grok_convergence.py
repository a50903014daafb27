#!/usr/bin/env python3
"""Finite-width convergence to the N = infinity theory (spec dmft_grokking.md §2.3).

usage: python3 plots/grok_convergence.py [-o FIG.png] [--obs test_pop] FILE.h5 ...

The files are single runs or a [sweep] over network.N (models/grok_width.ini).

Each file holds runs of width-N networks (different initialisation seeds, same data)
and the N = infinity theory on the same grid.  Prints, per N, the RMS over runs of
(run - theory) at t = 1000 and t = 4000 (the nearest output times) and the seed-mean
bias with its standard error, then the least-squares slope of log RMS against log N
(the spec measured -0.4 at small N to -0.9 at large N: a mix of N^-1/2 and D/N, not a
clean -1/2).  Left panel: RMS deviation over time per N; right: RMS against N.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grok_common import option, groups, np, param  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    args = list(argv[1:])
    out, obs = None, "test_pop"
    out = option(args, "-o", out)
    obs = option(args, "--obs", obs)
    if not args:
        sys.exit(__doc__)
    rows = []
    for label, f in groups(args):
        t = f["theory/t"][()]
        th = f["theory"][obs][()]
        runs = f["simulation"][obs]["runs"][()]
        dev = runs - th[None, :]
        rows.append(dict(N=int(param(f, "network", "N")), t=t,
                         rms=np.sqrt(np.nanmean(dev ** 2, axis=0)),
                         bias=np.nanmean(dev, axis=0),
                         se=np.nanstd(dev, axis=0, ddof=1) / np.sqrt(dev.shape[0])))
    rows.sort(key=lambda r: r["N"])
    t = rows[0]["t"]
    marks = [int(np.argmin(np.abs(t - tm))) for tm in (1000.0, 4000.0)]
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    cmap = plt.get_cmap("plasma")
    print(f"{'N':>6} " + " ".join(f"{'rms@' + format(t[j], 'g'):>12} {'bias':>10} {'s.e.':>9}"
                                    for j in marks))
    for i, r in enumerate(rows):
        k = t > 0
        ax[0].plot(t[k], r["rms"][k], color=cmap(i / max(1, len(rows) - 1)), label=f"N = {r['N']}")
        print(f"{r['N']:>6} " + " ".join(f"{r['rms'][j]:>12.3e} {r['bias'][j]:>10.2e} "
                                          f"{r['se'][j]:>9.1e}" for j in marks))
    N = np.array([r["N"] for r in rows], float)
    for j, m in zip(marks, ("o-", "s-")):
        rms = np.array([r["rms"][j] for r in rows])
        slope = np.polyfit(np.log(N), np.log(rms), 1)[0]
        tail = np.polyfit(np.log(N[-4:]), np.log(rms[-4:]), 1)[0] if len(N) >= 4 else np.nan
        print(f"t = {t[j]:g}: fitted slope d log RMS / d log N = {slope:.2f} (all N), "
              f"{tail:.2f} (largest 4 N)")
        ax[1].plot(N, rms, m, label=f"t = {t[j]:g}, slope {slope:.2f}")
    ax[1].plot(N, rows[0]["rms"][marks[0]] * np.sqrt(N[0] / N), "k:", lw=1, label="N^-1/2")
    for a in ax:
        a.set_xscale("log")
        a.set_yscale("log")
    ax[0].set_xlabel("t (GD steps)")
    ax[0].set_ylabel(f"RMS over seeds of {obs} - theory")
    ax[0].legend(fontsize=7)
    ax[1].set_xlabel("width N")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    out = out or os.path.splitext(args[0])[0] + "_convergence.png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
