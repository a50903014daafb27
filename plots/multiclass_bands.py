#!/usr/bin/env python3
"""Which directions SGD learns (gmm_multiclass, docs/theory/gmm.md §1.4, §3.2;
hdsim.plot.multiclass_bands).

For an output file with spectral bands: the mean overlap (margin) and the projected norm
carried by each band against t, theory as lines and the Monte Carlo mean as dots, and
each band's share of the total margin (with a clean band of zero-variance modes, its
share is the phase-transition diagnostic: it tends to 1 when the loss goes to zero).
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
    ap.add_argument("file", help="a gmm_multiclass output file with >= 2 spectral bands")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_bands.png)")
    a = ap.parse_args(argv[1:])
    try:
        fig = hdsim.plot.multiclass_bands(a.file)
    except ValueError as e:
        sys.exit(str(e))
    save(fig, a.output or os.path.splitext(a.file)[0] + "_bands.png")


if __name__ == "__main__":
    main(sys.argv)
