#!/usr/bin/env python3
"""Phase diagram of the amount of grokking (Kumar et al. Fig. 3(e); hdsim.plot.grok_phase)
from a dmft_grokking [sweep] over two keys (models/grok_fig3e.ini: network.alpha x
network.eps).

Amount = max(0, t_test(theta) - t_train(theta)), t(theta) the first output time with
loss < theta (absolute, as in the paper's code; docs/theory/grok.md §1.3), from the
theory curves (or the simulation mean when the file has no theory).  A point whose test
loss never reaches theta within the horizon does not generalise (lazy and aligned: the
kernel plateau) and is drawn grey, marked 'never', not counted as grokking.  With
--check, exits 1 unless claim 4 of §3.1 holds: the amount grows with alpha at the
smallest eps and falls with eps at the smallest alpha, and its maximum lies in the
large-alpha, small-eps quarter.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import report, save  # noqa: E402  (Debian's python3, python/ on sys.path)
import numpy as np  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="a dmft_grokking sweep over network.alpha and network.eps")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_phase.png)")
    ap.add_argument("--theta", type=float, default=0.1, help="loss level (default 0.1)")
    ap.add_argument("--check", action="store_true",
                    help="check claim 4 of §3.1 (exit 1 if it fails)")
    a = ap.parse_args(argv[1:])
    try:
        alphas, epss, A = hdsim.plot.grok_phase_grid(a.file, a.theta)
    except KeyError as e:
        sys.exit(f"{a.file}: no parameter {e}")
    save(hdsim.plot.grok_phase(a.file, a.theta),
         a.output or os.path.splitext(a.file)[0] + "_phase.png")
    n = A.size
    if np.isnan(A).all():
        print(f"{n} points: none reaches test loss {a.theta:g} within the horizon")
    else:
        i, j = np.unravel_index(np.nanargmax(A), A.shape)
        print(f"{n} points ({int(np.isnan(A).sum())} never generalise); max amount "
              f"{A[i, j]:g} at alpha = {alphas[j]:g}, eps = {epss[i]:g}")
    if a.check:
        report(hdsim.plot.grok_phase_check(alphas, epss, A), "claim 4 of §3.1 holds")


if __name__ == "__main__":
    main(sys.argv)
