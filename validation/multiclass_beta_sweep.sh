#!/usr/bin/env bash
# multiclass_beta_sweep.sh — the structural phase transition of §3.2 of docs/theory/gmm.md:
# binary logistic SGD on the paper's two-class power law (alpha = 1.1, 1.5) with mean
# profile (rho/d)^beta.  models/multiclass_beta_limit.ini sweeps beta in the d -> infinity
# limit (200 nodes, to t = 1e9); models/multiclass_beta_plateau.ini checks the beta = 0.5
# plateau at d = 500 against Monte Carlo.  plots/multiclass_beta.py prints the table, draws
# the figure and checks (exit status 1 if one fails):
#   beta = 0:     R keeps falling like t^-0.48 over t = 1e4 .. 1e6 (spec §3.2)
#   beta >= 0.2:  R has plateaued by t = 1e9 (|dlog R / dlog t| < 0.01) at a positive value
#   beta = 0.5:   Monte Carlo within 4 s.e. + 2% of the finite-d ODE
# Near the threshold (beta = 0.025 .. 0.1) convergence is extremely slow: reported only.
#
# usage: validation/multiclass_beta_sweep.sh [OUTDIR]      (default out/multiclass_beta)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
python=${PYTHON:-/usr/bin/python3}
out=${1:-out/multiclass_beta}
mkdir -p "$out"
rm -rf "$out/beta_limit.h5" "$out/beta_limit.h5.points"
"$hdsim" run "$root/models/multiclass_beta_limit.ini" -o "$out/beta_limit.h5" --quiet
"$hdsim" run "$root/models/multiclass_beta_plateau.ini" -o "$out/beta_plateau.h5" --quiet
"$python" "$root/plots/multiclass_beta.py" "$out/beta_limit.h5" "$out/beta_plateau.h5" \
  -o "$out/beta_sweep.png"
