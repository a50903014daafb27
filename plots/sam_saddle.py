#!/usr/bin/env python3
"""Saddle escape of the SAM family (docs/theory/sam.md §3.7; hdsim.plot.sam_saddle): |x_-|
along the negative-curvature direction, per run, for one or more sam_quadratic output
files run with [sde] per_direction = true.

Faint lines: individual runs, sqrt(m2_I); thick line: sqrt of the mean of m2_I; dashed:
the theory (the exact recursion) when the file has one.  The escape threshold |x_-| = 1
is drawn; USAM is trapped iff rho > 1/|lambda_-|.  I defaults to the most negative
eigenvalue.
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
    ap.add_argument("files", nargs="+", help="sam_quadratic output files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_saddle.png)")
    ap.add_argument("--direction", type=int, help="eigen-direction I (default: the most "
                                                  "negative eigenvalue)")
    a = ap.parse_args(argv[1:])
    try:
        fig = hdsim.plot.sam_saddle(a.files, a.direction)
    except ValueError as e:
        sys.exit(str(e))
    save(fig, a.output or os.path.splitext(a.files[0])[0] + "_saddle.png")


if __name__ == "__main__":
    main(sys.argv)
