#!/usr/bin/env python3
"""Draw a finite-size ladder written by `hdsim validate` (hdsim.plot.ladder).

Left: the fitted statistic against the size on log-log axes with error bars, the fitted
line and the expected slope.  Right: theory and Monte Carlo mean (+- s.e.) at every rung.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import save  # noqa: E402
import hdsim  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="a ladder file (hdsim validate -o LADDER.h5)")
    ap.add_argument("-o", "--output", help="figure file (default: FILE with .png)")
    a = ap.parse_args(argv[1:])
    save(hdsim.plot.ladder(a.file), a.output or os.path.splitext(a.file)[0] + ".png")


if __name__ == "__main__":
    main(sys.argv)
