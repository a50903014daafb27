#!/usr/bin/env python3
"""Finite-width convergence to the N = infinity theory (docs/theory/grok.md §2.3;
hdsim.plot.grok_convergence).

The files are single runs or a [sweep] over network.N (models/grok_width.ini).  Each
holds runs of width-N networks (different initialisation seeds, same data) and the
N = infinity theory on the same grid.  Prints, per N, the RMS over runs of
(run - theory) at t = 1000 and t = 4000 (the nearest output times) and the seed-mean
bias with its standard error, then the least-squares slope of log RMS against log N
(measured -0.4 at small N to -0.9 at large N: a mix of N^-1/2 and D/N, not a clean
-1/2).  Left panel: RMS deviation over time per N; right: RMS against N.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import save  # noqa: E402  (Debian's python3, python/ on sys.path)
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="dmft_grokking output or sweep files (theory "
                                             "and simulation, several widths N)")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_convergence.png)")
    ap.add_argument("--obs", default="test_pop", help="observable (default test_pop)")
    a = ap.parse_args(argv[1:])
    try:
        rows, marks, slopes = hdsim.plot.grok_convergence_table(a.files, a.obs)
    except KeyError as e:
        sys.exit(f"{a.files[0]}: no {e} (needs theory and simulation of {a.obs})")
    t = rows[0]["t"]
    print(f"{'N':>6} " + " ".join(f"{'rms@' + format(t[j], 'g'):>12} {'bias':>10} {'s.e.':>9}"
                                    for j in marks))
    for r in rows:
        print(f"{r['N']:>6} " + " ".join(f"{r['rms'][j]:>12.3e} {r['bias'][j]:>10.2e} "
                                          f"{r['se'][j]:>9.1e}" for j in marks))
    for tj, slope, tail in slopes:
        print(f"t = {tj:g}: fitted slope d log RMS / d log N = {slope:.2f} (all N), "
              f"{tail:.2f} (largest 4 N)")
    save(hdsim.plot.grok_convergence(a.files, a.obs),
         a.output or os.path.splitext(a.files[0])[0] + "_convergence.png")


if __name__ == "__main__":
    main(sys.argv)
