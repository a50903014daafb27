#!/usr/bin/env python3
"""Grokking in linear estimators (Levi et al.; docs/theory/grok.md §4.1) from a
grok_linear_estimator output file (hdsim.plot.grok_linear).

Left: train and generalisation losses, theory (dashed) and the finite-d Monte Carlo mean
(solid), with the level eps_acc/4 at which the accuracy reaches ~95 %.  Right: the two
accuracies A = erf(sqrt(eps_acc / (2 L))).  Prints the times t_train, t_gen at which the
theory losses cross eps_acc/4, the measured delay, and the late-time prediction
Delta t_grok = ln(1/(1 - sqrt(lambda))) / (2 eta (1 - sqrt(lambda))^2) (lambda < 1).
"""
import argparse
import os
import sys

USES_ARGPARSE = True
from hdsim_plot import save  # noqa: E402  (Debian's python3, python/ on sys.path)
import numpy as np  # noqa: E402
import hdsim  # noqa: E402
import hdsim.plot  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="a grok_linear_estimator output file")
    ap.add_argument("-o", "--output", help="figure file (default: FILE_linear.png)")
    a = ap.parse_args(argv[1:])
    res = hdsim.load(a.file)
    m = hdsim.plot.grok_linear_times(res)
    msg = (f"{a.file} ({m['source']}): t_train = {m['t_train']:g}, t_gen = {m['t_gen']:g}, "
           f"delay = {m['delay']:g}")
    if np.isfinite(m["late_delay"]):
        msg += f"; late-time asymptotic formula (§4.1) {m['late_delay']:.4g}"
    print(msg)
    save(hdsim.plot.grok_linear(res), a.output or os.path.splitext(a.file)[0] + "_linear.png")


if __name__ == "__main__":
    main(sys.argv)
