#!/usr/bin/env python3
"""Draw a sweep written by `hdsim run` on a model with a [sweep] section (hdsim.plot.sweep).

Left: the observable against t for every point, Monte Carlo mean +- 1 s.e. (band) and
theory (dashed), one colour per point, labelled by the swept keys.  Right, when two keys
are swept: the phase diagram of the final value (theory as colour, Monte Carlo mean in
each cell); with one key, the final value against it.
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
    ap.add_argument("file", help="a sweep file")
    ap.add_argument("-o", "--output", help="figure file (default: FILE with .png)")
    ap.add_argument("--observable", help="observable to draw (default: the primary one)")
    a = ap.parse_args(argv[1:])
    res = hdsim.load(a.file)
    if not res.is_sweep:
        sys.exit(f"{a.file}: not a sweep (no /sweep group)")
    save(hdsim.plot.sweep(res, a.observable), a.output or os.path.splitext(a.file)[0] + ".png")


if __name__ == "__main__":
    main(sys.argv)
