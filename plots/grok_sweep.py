#!/usr/bin/env python3
"""A parameter sweep of dmft_grokking files (Kumar et al. Fig. 3(a)/(b), 7(a);
hdsim.plot.grok_sweep).

The files are single runs or [sweep] files (every point is used), e.g. out/grok_fig3a.h5.
Plots L(t)/L(0) (test solid, train dashed; each curve normalised by its own initial
value, as in the paper) coloured by the swept key, with the initial-NTK kernel
regression value, and the halving times against the key.  Prints per file or point: the
test bump max L/L(0), the test-halving time, the train-halving time and the final
L/L(0).  With --check (key network.alpha), exits 1 unless the orderings of
docs/theory/grok.md §3 claim 2 hold: the delay and the final test loss grow with
alpha, the test bump grows with alpha (none for alpha <= 1/4, > 1 % for alpha >= 4;
alpha = 1 lies between and depends on the dataset draw), and every final test loss stays
below the kernel-regression value, approached as alpha grows.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import report, save  # noqa: E402  (Debian's python3, python/ on sys.path)
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="dmft_grokking output or sweep files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_sweep.png)")
    ap.add_argument("--key", default="network.alpha",
                    help="the swept parameter, section.key (default network.alpha)")
    ap.add_argument("--check", action="store_true",
                    help="check the orderings of claim 2 (exit 1 if one fails)")
    a = ap.parse_args(argv[1:])
    try:
        rows = hdsim.plot.grok_sweep_table(a.files, a.key)
    except KeyError as e:
        sys.exit(f"{a.files[0]}: no parameter {e}")
    name = a.key.split(".")[-1]
    print(f"{name:>10} {'bump':>7} {'t_test/2':>9} {'t_train/2':>9} {'final':>8}  file or point")
    for r in rows:
        print(f"{r['v']:>10g} {r['bump']:>7.3f} {r['half']:>9g} {r['thalf']:>9g} "
              f"{r['final']:>8.4f}  {r['path']}")
    save(hdsim.plot.grok_sweep(a.files, a.key),
         a.output or os.path.splitext(a.files[0])[0] + "_sweep.png")
    if a.check:
        report(hdsim.plot.grok_sweep_check(rows, name), "the orderings of §3 claim 2 hold")


if __name__ == "__main__":
    main(sys.argv)
