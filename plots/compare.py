#!/usr/bin/env python3
"""Theory vs simulation for every observable in an hdsim output file (hdsim.plot.compare).

One panel per observable: the deterministic theory (dashed), the Monte Carlo mean with a
band of +-1 standard error, the individual runs drawn faint; axes logarithmic where the
observable's log_x/log_y attributes say so; a last panel with |mean - theory| / |theory|.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import save  # noqa: E402  (Debian's python3, python/ on sys.path)
import hdsim  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="an hdsim output file (not a sweep: see sweep.py)")
    ap.add_argument("-o", "--output", help="figure file (default: FILE with .png)")
    ap.add_argument("--no-runs", action="store_true", help="leave out the individual runs")
    ap.add_argument("--observable", action="append", help="only this observable (repeatable)")
    a = ap.parse_args(argv[1:])
    res = hdsim.load(a.file)
    if res.is_sweep:
        sys.exit(f"{a.file} is a sweep: draw it with plots/sweep.py")
    if not (a.observable or res.observables):
        sys.exit(f"{a.file}: no observables found")
    fig = hdsim.plot.compare(res, observables=a.observable, runs=not a.no_runs)
    save(fig, a.output or os.path.splitext(a.file)[0] + ".png")


if __name__ == "__main__":
    main(sys.argv)
