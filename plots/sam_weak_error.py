#!/usr/bin/env python3
"""Weak error of the SAM-family SDEs (docs/theory/sam.md §3.4, §5.2;
hdsim.plot.sam_weak_error), from the CSV files written by the validation program
(build/tests/sam_weak_error OUTDIR; reference output in data/sam_weak_error/).

Left: max_k |E f(x_k) - E f(X_{k eta})| against eta with rho = sqrt(eta), log-log, with
the fitted slopes in the legend (USAM: exact closed forms; DNSAM: coupled Monte Carlo
with its standard error as error bars).  Right (if DIR/rho_sweep.csv exists): the
authors' metric max_k |g_alg - g_SDE| / mean_k |g_alg|, g = ||x|| + ||grad f||, against
rho, with dashed lines at rho = eta and rho = sqrt(eta).
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
    ap.add_argument("dir", help="directory with weak_error.csv (and rho_sweep.csv)")
    ap.add_argument("-o", "--output", help="figure file (default: DIR/sam_weak_error.png)")
    a = ap.parse_args(argv[1:])
    if not os.path.exists(os.path.join(a.dir, "weak_error.csv")):
        sys.exit(f"{a.dir}: no weak_error.csv")
    save(hdsim.plot.sam_weak_error(a.dir), a.output or os.path.join(a.dir, "sam_weak_error.png"))


if __name__ == "__main__":
    main(sys.argv)
