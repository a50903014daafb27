#!/usr/bin/env bash
# multiclass_beta_sweep.sh — the structural phase transition of spec §3.2 (multiclass_sgd.md):
# binary logistic SGD on the paper's two-class power law (alpha = 1.1, 1.5) with mean
# profile (rho/d)^beta.  The d -> infinity ODE (600-node grid, models/multiclass_beta_limit.ini, run to t = 1e9)
# is swept over beta; the criterion alpha_min - 2 beta >= 1 predicts R -> 0 for
# beta <= 0.05 and a positive plateau above.  Checks (exit status 1 if one fails):
#   beta = 0:     R keeps falling like t^-0.48 over t = 1e4 .. 1e6 (spec §3.2)
#   beta >= 0.2:  R has plateaued by t = 1e9 (|dlog R / dlog t| < 0.01) at a positive value
#   beta = 0.5:   the finite-d plateau is seen by Monte Carlo (d = 500, t = 300, 4 runs)
#                 within 4 s.e. + 2% of the finite-d ODE
# Near the threshold (beta = 0.025 .. 0.1) convergence is extremely slow: reported only.
#
# usage: validation/multiclass_beta_sweep.sh [OUTDIR]      (default out/multiclass_beta)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
python=${PYTHON:-/usr/bin/python3}
out=${1:-out/multiclass_beta}
mkdir -p "$out"
for beta in 0 0.025 0.05 0.1 0.2 0.3 0.5; do
  sed -e "s/^mean_beta *=.*/mean_beta = $beta/" -e "s/^horizon *=.*/horizon = 1e9/" \
      -e "s/^times *=.*/times = log(0.01, 1e9, 111)/" "$root/models/multiclass_beta_limit.ini" \
    >"$out/beta_$beta.ini"
  "$hdsim" run "$out/beta_$beta.ini" -o "$out/beta_$beta.h5" --quiet
done
# the plateau at finite d, Monte Carlo against the per-mode ODE
sed -e "s/^mean_beta *=.*/mean_beta = 0.5/" -e "s/^limit_nodes *=.*/limit_nodes = 0/" \
    -e "s/^d *=.*/d = 500/" -e "s/^enabled *=.*/runs = 4/" -e "s/^horizon *=.*/horizon = 300/" \
    -e "s/^times *=.*/times = log(0.1, 300, 25)/" \
    "$root/models/multiclass_beta_limit.ini" >"$out/plateau_mc.ini"
"$hdsim" run "$out/plateau_mc.ini" -o "$out/plateau_mc.h5" --quiet
"$python" "$root/plots/multiclass_beta.py" "$out" -o "$out/beta_sweep.png"
