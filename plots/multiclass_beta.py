#!/usr/bin/env python3
"""The beta phase transition (gmm_multiclass, docs/theory/gmm.md §3.2;
hdsim.plot.multiclass_beta).

SWEEP.h5: models/multiclass_beta_limit.ini's sweep over data.mean_beta (d -> infinity
theory); PLATEAU.h5 (optional): models/multiclass_beta_plateau.ini (finite-d Monte Carlo
at beta = 0.5).  Draws R(t) per beta, the local exponent dlog R / dlog t, and the
finite-d plateau with its Monte Carlo; prints a table and checks the sweep's assertions
(exit status 1 if one fails): beta = 0 decays like t^-0.48 over 1e4..1e6, every
beta >= 0.2 reaches a plateau, the finite-d Monte Carlo lies within 4 s.e. + 2 % of the
ODE.
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
    ap.add_argument("sweep", metavar="SWEEP.h5", help="a sweep over data.mean_beta")
    ap.add_argument("plateau", metavar="PLATEAU.h5", nargs="?",
                    help="a finite-d run with theory and simulation")
    ap.add_argument("-o", "--output", help="figure file (default: SWEEP with .png)")
    a = ap.parse_args(argv[1:])
    try:
        rows, pl, failures = hdsim.plot.multiclass_beta_table(a.sweep, a.plateau)
    except ValueError as e:
        sys.exit(str(e))
    print(f"{'beta':>6} {'a_min-2b':>9} {'R(1e4)':>10} {'R(1e6)':>10} {'R(end)':>10} "
          f"{'slope 1e4-1e6':>14} {'slope at end':>13}  phase")
    for r in rows:
        print(f"{r['beta']:6.3f} {r['crit']:9.3f} {r['R4']:10.5f} {r['R6']:10.6f} "
              f"{r['R_end']:10.6f} {r['s_long']:14.4f} {r['s_end']:13.5f}  {r['phase']}")
    if pl:
        print(f"finite-d plateau: ODE R({pl['t'][-1]:g}) = {pl['theory'][-1]:.5f}, Monte Carlo "
              f"{pl['mean'][-1]:.5f} +- {pl['se'][-1]:.5f}")
    save(hdsim.plot.multiclass_beta(a.sweep, a.plateau),
         a.output or os.path.splitext(a.sweep)[0] + ".png")
    for msg in failures:
        print("FAIL:", msg)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv)
