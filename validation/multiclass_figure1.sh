#!/usr/bin/env bash
# multiclass_figure1.sh — reproduce the four panels of Figure 1 of Collins-Woodfin &
# Seroussi, "Exact Dynamics of Multi-class SGD" (arXiv 2510.14074), as far as the spec
# (shared/specs/multiclass_sgd.md §4.5) could reconstruct them: binary logistic regression,
# risk against t for several learning rates, ODE lines and Monte Carlo 90% bands at two d.
#
# usage: validation/multiclass_figure1.sh [OUTDIR] [--quick]
#   OUTDIR   where the HDF5 files and figure go (default out/multiclass_figure1)
#   --quick  d = 250 and 1000, 8 runs, horizon 10 (a minute on 2 cores) instead of
#            d = 500 and 2000, 16 runs, horizon 20 (several minutes)
# Environment: HDSIM (default build/hdsim), PYTHON (default /usr/bin/python3).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
python=${PYTHON:-/usr/bin/python3}
out=out/multiclass_figure1
quick=0
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    *) out=$a ;;
  esac
done
mkdir -p "$out"
if [ $quick = 1 ]; then dims="250 1000"; runs=8; horizon=10; else dims="500 2000"; runs=16; horizon=20; fi
lrs="0.5 1 2 5"
for panel in a_isotropic b_zero_one c_power_law_beta0 d_power_law_beta05; do
  base=$root/models/multiclass_fig1$panel.ini
  for lr in $lrs; do
    for d in $dims; do
      name=fig1${panel:0:1}_lr${lr}_d${d}
      # the model file with lr, d, runs and horizon replaced (everything else verbatim)
      sed -e "s/^lr *=.*/lr = $lr/" -e "s/^d *=.*/d = $d/" -e "s/^runs *=.*/runs = $runs/" \
          -e "s/^horizon *=.*/horizon = $horizon/" \
          -e "s/^times *=.*/times = log(0.05, $horizon, 30)/" "$base" >"$out/$name.ini"
      "$hdsim" run "$out/$name.ini" -o "$out/$name.h5" --quiet
      echo "$name"
    done
  done
done
"$python" "$root/plots/multiclass_figure1.py" "$out" -o "$out/figure1.png"
