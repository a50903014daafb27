#!/usr/bin/env bash
# multiclass_figure1.sh — reproduce the four panels of Figure 1 of Collins-Woodfin &
# Seroussi, "Exact Dynamics of Multi-class SGD" (arXiv 2510.14074), as far as the spec
# (docs/theory/gmm.md §4.5) could reconstruct them: binary logistic regression,
# risk against t for lr = 0.5, 1, 2, 5, ODE lines and Monte Carlo 90% bands at two d.
# Each panel is one model file with a [sweep] over lr and d (models/multiclass_fig1*.ini).
#
# usage: validation/multiclass_figure1.sh [OUTDIR] [--quick]
#   OUTDIR   where the HDF5 files and figure go (default out/multiclass_figure1)
#   --quick  d = 250 and 1000, 8 runs, horizon 10 (about a minute on 2 cores) instead of
#            the model files' d = 500 and 2000, 16 runs, horizon 20 (a few minutes)
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
files=()
for model in "$root"/models/multiclass_fig1{a,b,c,d}_*.ini; do
  name=$(basename "$model" .ini)
  if [ $quick = 1 ]; then
    sed -e "s/^data.d *=.*/data.d = 250, 1000/" -e "s/^runs *=.*/runs = 8/" \
        -e "s/^horizon *=.*/horizon = 10/" -e "s/^times *=.*/times = log(0.05, 10, 25)/" \
        "$model" >"$out/$name.ini"
    model=$out/$name.ini
  fi
  rm -rf "$out/$name.h5" "$out/$name.h5.points"
  "$hdsim" run "$model" -o "$out/$name.h5" --quiet
  files+=("$out/$name.h5")
done
"$python" "$root/plots/multiclass_figure1.py" "${files[@]}" -o "$out/figure1.png"
