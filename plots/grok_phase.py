#!/usr/bin/env python3
"""Phase diagram of the amount of grokking (Kumar et al. Fig. 3(e)) from a dmft_grokking
[sweep] over two keys (models/grok_fig3e.ini: network.alpha x network.eps).

usage: python3 plots/grok_phase.py SWEEP.h5 [-o FIG.png] [--theta 0.1] [--check]

Amount = max(0, t_test(theta) - t_train(theta)), t(theta) the first output time with loss
< theta (absolute, as in the paper's code; spec §1.3), from the theory curves (or the
simulation mean when the file has no theory).  A point whose test loss never reaches
theta within the horizon does not generalise (lazy and aligned: the kernel plateau) and
is drawn grey, not counted as grokking.  With --check, exits 1 unless claim 4 of spec
§3.1 holds: the amount grows with alpha at the smallest eps and falls with eps at the
smallest alpha, and its maximum lies in the large-alpha, small-eps quarter.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grok_common import report, option, curve, first_below, groups, np, param  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    args = list(argv[1:])
    out = option(args, "-o")
    theta = float(option(args, "--theta", 0.1))
    check = "--check" in args
    if check:
        args.remove("--check")
    if len(args) != 1:
        sys.exit(__doc__)
    cells = {}
    for _, f in groups(args):
        src = "theory" if "theory" in f else "simulation"
        t, tr = curve(f, "train", src)
        _, te = curve(f, "test_pop", src)
        ttr, tte = first_below(t, tr, theta), first_below(t, te, theta)
        a, e = float(param(f, "network", "alpha")), float(param(f, "network", "eps"))
        cells[(a, e)] = max(0.0, tte - ttr) if np.isfinite(tte) and np.isfinite(ttr) else np.nan
    alphas = sorted({k[0] for k in cells})
    epss = sorted({k[1] for k in cells})
    A = np.array([[cells.get((a, e), np.nan) for a in alphas] for e in epss])
    fig, ax = plt.subplots(figsize=(7, 5.5))
    cmap = plt.get_cmap("magma").copy()
    cmap.set_bad("0.75")
    im = ax.imshow(np.ma.masked_invalid(A), origin="lower", aspect="auto", cmap=cmap,
                   extent=(alphas[0], alphas[-1], epss[0], epss[-1]))
    fig.colorbar(im, ax=ax, label=f"amount of grokking  t_test({theta:g}) - t_train({theta:g})")
    ax.set_xlabel("alpha (laziness)")
    ax.set_ylabel("eps (initial alignment)")
    ax.set_title("Fig. 3(e): amount of grokking (grey: test never below theta)", fontsize=10)
    fig.tight_layout()
    out = out or os.path.splitext(args[0])[0] + "_phase.png"
    fig.savefig(out, dpi=110)
    print(out)
    if np.isnan(A).all():
        print(f"{len(cells)} points: none reaches test loss {theta:g} within the horizon")
        if check:
            report(["no point generalises"], "")
        return
    i, j = np.unravel_index(np.nanargmax(A), A.shape)
    print(f"{len(cells)} points ({int(np.isnan(A).sum())} never generalise); max amount "
          f"{A[i, j]:g} at alpha = {alphas[j]:g}, eps = {epss[i]:g}")
    if check:
        fails = []
        row, col = A[0, :], A[:, 0]
        row, col = row[np.isfinite(row)], col[np.isfinite(col)]
        if not np.all(np.diff(row) >= -0.05 * np.max(row)):
            fails.append("amount does not grow with alpha at the smallest eps")
        if not np.all(np.diff(col) <= 0.05 * np.max(col)):
            fails.append("amount does not fall with eps at the smallest alpha")
        if not (j >= len(alphas) // 2 and i < len(epss) // 2):
            fails.append("maximum not in the large-alpha, small-eps quarter")
        report(fails, "claim 4 of spec §3.1 holds")


if __name__ == "__main__":
    main(sys.argv)
