#!/usr/bin/env python3
"""Committee machines (hdsim.plot.committee): the generalisation error of one or more
committee output files, theory (per-eigenvalue overlap ODE, docs/theory/committee.md)
against the Monte Carlo mean +- s.e., and the student-teacher overlaps R_km of the first
file (the plateau is where they stay symmetric).
"""
import argparse
import os
import sys

from hdsim_plot import save  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="committee output files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_family.png)")
    a = ap.parse_args(argv[1:])
    save(hdsim.plot.committee(a.files),
         a.output or os.path.splitext(a.files[0])[0] + "_family.png")


if __name__ == "__main__":
    main(sys.argv)
