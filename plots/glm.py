#!/usr/bin/env python3
"""Single-index models from formulas (hdsim.plot.glm): risk, the model's metric and the
teacher cosine, theory (ODE E1-E2, docs/theory/glm.md) against the Monte Carlo mean +- s.e.,
several glm files on one figure, each labelled by its loss.

Example:  python3 plots/glm.py out/glm_hinge.h5 out/glm_logistic.h5 -o glm.png
"""
import argparse
import os
import sys

from hdsim_plot import save  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="glm output files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_family.png)")
    a = ap.parse_args(argv[1:])
    save(hdsim.plot.glm(a.files),
         a.output or os.path.splitext(a.files[0])[0] + "_family.png")


if __name__ == "__main__":
    main(sys.argv)
