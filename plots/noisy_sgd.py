#!/usr/bin/env python3
"""Figures for the noisy_sgd family (hdsim.plot.noisy_risk, privacy, frontier).

risk:     risk vs t, one colour per file or sweep point: theory (line), Monte Carlo mean
          +- 1 s.e. (band), and for a single file the bias / variance split (NS-4') and
          the stationary risk R_inf (NS-6).
privacy:  eps_alpha(t), the privacy loss of the iterate released at time t, per order:
          exact O(d) formula (NS-10, solid), d -> infinity formula (NS-11, dashed), the
          clipped variant's accountants (labelled so), +inf marked on a top band; the
          pair's residual profiles r_1(s), r_2(s); the (eps, delta)-DP curve.
frontier: final risk R(T) against eps_alpha(T) over files or sweep points, by sigma.
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
    ap.add_argument("mode", choices=["risk", "privacy", "frontier"])
    ap.add_argument("files", nargs="+", help="noisy_sgd output or sweep files")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_MODE.png)")
    ap.add_argument("--log", action="store_true", help="risk: log-log axes")
    ap.add_argument("--order", type=float, default=2.0, help="frontier: Renyi order (default 2)")
    a = ap.parse_args(argv[1:])
    out = a.output or os.path.splitext(a.files[0])[0] + f"_{a.mode}.png"
    try:
        if a.mode == "risk":
            fig = hdsim.plot.noisy_risk(a.files, log=a.log)
        elif a.mode == "privacy":
            fig = hdsim.plot.privacy(a.files[0])
        else:
            fig = hdsim.plot.frontier(a.files, order=a.order)
    except ValueError as e:
        sys.exit(str(e))
    save(fig, out)


if __name__ == "__main__":
    main(sys.argv)
