#!/usr/bin/env python3
"""The paper's Figure 1 as a 2x2 figure (gmm_multiclass, docs/theory/gmm.md §4.5;
hdsim.plot.multiclass_figure1).

The four files are the sweeps written by `hdsim run models/multiclass_fig1{a,b,c,d}_*.ini`
(panels in that order), each over optimizer.lr and data.d.  Each panel: the population
risk against t for every learning rate (one colour each), the ODE limit as a line (from
the largest d) and, for each d, the Monte Carlo band between the 5% and 95% quantiles
over runs (darker for the larger d).
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
    ap.add_argument("files", nargs=4, metavar="FIG1X.h5", help="the four sweeps, panels a-d")
    ap.add_argument("-o", "--output", help="figure file (default: multiclass_figure1.png "
                                           "next to the first file)")
    a = ap.parse_args(argv[1:])
    out = a.output or os.path.join(os.path.dirname(a.files[0]) or ".", "multiclass_figure1.png")
    save(hdsim.plot.multiclass_figure1(a.files), out)


if __name__ == "__main__":
    main(sys.argv)
