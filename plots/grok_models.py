#!/usr/bin/env python3
"""What is trained in the grokking network (hdsim.plot.grok_models, docs/theory/grok.md
§5): several dmft_grokking files on one figure, typically the standard network, the
trained-readout network and the linearised network on one dataset, each model's N = inf
theory (dashed) against its finite-N networks (mean +- s.e.).

Panels: train loss, population test loss, relative parameter change.
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
    ap.add_argument("files", nargs="+", help="dmft_grokking output files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_models.png)")
    a = ap.parse_args(argv[1:])
    save(hdsim.plot.grok_models(a.files),
         a.output or os.path.splitext(a.files[0])[0] + "_models.png")


if __name__ == "__main__":
    main(sys.argv)
