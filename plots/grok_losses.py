#!/usr/bin/env python3
"""Grokking curves of one dmft_grokking output file (Kumar et al. Fig. 1 and Fig. 4;
hdsim.plot.grok_losses).

Panels: (a) train and test loss, theory (N = infinity, dashed) and finite-N networks
(mean +- s.e.), with the kernel-regression baseline kmse (black line of Fig. 1) and the
grokking times t(theta) = first time loss < theta * L(0) (docs/theory/grok.md §1.3);
(b) the eq. 6 decomposition of the test loss (variance, misalignment, linear power);
(c) weight norm sqrt(Tr M) and relative parameter change; (d) feature alignment
(overlap, cosine, CKA).  Prints the grokking times and the delay.
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import save  # noqa: E402  (Debian's python3, python/ on sys.path)
import hdsim  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="a dmft_grokking output file")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_losses.png)")
    ap.add_argument("--theta", type=float, default=0.1,
                    help="grokking level as a fraction of L(0) (default 0.1)")
    a = ap.parse_args(argv[1:])
    res = hdsim.load(a.file)
    g = hdsim.plot.grok_times(res, a.theta)
    print(f"{a.file} ({g['source']}): t_train({a.theta:g} L0) = {g['t_train']:g}, "
          f"t_test({a.theta:g} L0) = {g['t_test']:g}, delay = {g['delay']:g}; "
          f"test max/L0 = {g['bump']:.3f}; kmse = {g['kmse']:.4g}")
    save(hdsim.plot.grok_losses(res, a.theta),
         a.output or os.path.splitext(a.file)[0] + "_losses.png")


if __name__ == "__main__":
    main(sys.argv)
