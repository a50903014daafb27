#!/usr/bin/env python3
"""High-dimensional SAM-family risk curves (hdsim.plot.sam_streaming): theory (ODE H4-H8)
against the Monte Carlo of the real algorithms, several sam_streaming files on one figure.

Panels: risk and effective step gamma A(v, G).  Each file is labelled by its algorithm,
rho_bar and theory form; the truncated first-order form is drawn dotted.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import save  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="sam_streaming output files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_family.png)")
    a = ap.parse_args(argv[1:])
    save(hdsim.plot.sam_streaming(a.files),
         a.output or os.path.splitext(a.files[0])[0] + "_family.png")


if __name__ == "__main__":
    main(sys.argv)
