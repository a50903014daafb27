#!/usr/bin/env python3
"""Phase diagram of the amount of grokking (Kumar et al. Fig. 3(e)) from a dmft_grokking
[sweep] over two keys (models/grok_fig3e.ini: network.alpha x network.eps).

usage: python3 plots/grok_phase.py SWEEP.h5 [-o FIG.png] [--theta 0.1] [--check]

Amount = max(0, t_test(theta) - t_train(theta)), t(theta) the first output time with loss
< theta (absolute, as in the paper's code; spec §1.3), from the theory curves (or the
simulation mean when the file has no theory).  Never reaching theta counts as the
horizon.  With --check, exits 1 unless claim 4 of spec §3.1 holds: the amount grows
with alpha at the smallest eps and falls with eps at the largest alpha (on average over
neighbouring cells), and its maximum lies in the large-alpha, small-eps quarter.
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
        horizon = t[-1]
        ttr = min(first_below(t, tr, theta), horizon)
        tte = min(first_below(t, te, theta), horizon)
        a, e = float(param(f, "network", "alpha")), float(param(f, "network", "eps"))
        cells[(a, e)] = max(0.0, tte - ttr)
    alphas = sorted({k[0] for k in cells})
    epss = sorted({k[1] for k in cells})
    A = np.array([[cells.get((a, e), np.nan) for a in alphas] for e in epss])
    fig, ax = plt.subplots(figsize=(7, 5.5))
    im = ax.imshow(A, origin="lower", aspect="auto", cmap="magma",
                   extent=(alphas[0], alphas[-1], epss[0], epss[-1]))
    fig.colorbar(im, ax=ax, label=f"amount of grokking  t_test({theta:g}) - t_train({theta:g})")
    ax.set_xlabel("alpha (laziness)")
    ax.set_ylabel("eps (initial alignment)")
    ax.set_title("Fig. 3(e): grokking is largest for lazy, misaligned networks")
    fig.tight_layout()
    out = out or os.path.splitext(args[0])[0] + "_phase.png"
    fig.savefig(out, dpi=110)
    i, j = np.unravel_index(np.nanargmax(A), A.shape)
    print(f"{len(cells)} points; max amount {A[i, j]:g} at alpha = {alphas[j]:g}, eps = {epss[i]:g}")
    print(out)
    if check:
        fails = []
        row, col = A[0, :], A[:, -1]
        if not np.all(np.diff(row) >= -0.05 * np.nanmax(row)):
            fails.append("amount does not grow with alpha at the smallest eps")
        if not np.all(np.diff(col) <= 0.05 * np.nanmax(col)):
            fails.append("amount does not fall with eps at the largest alpha")
        if not (j >= len(alphas) // 2 and i < len(epss) // 2):
            fails.append("maximum not in the large-alpha, small-eps quarter")
        report(fails, "claim 4 of spec §3.1 holds")


if __name__ == "__main__":
    main(sys.argv)
