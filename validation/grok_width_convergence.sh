#!/usr/bin/env bash
# Convergence of finite-width training to the N = infinity theory (spec §2.3, §6.4): runs
# models/grok_width.ini for N = 50 ... 6400 and 25600 (12 initialisation seeds each; the closure
# algorithm is exact at any N and costs the same for every N >= D), then
# plots/grok_convergence.py reports the RMS deviation of the population test loss from
# the N = infinity GD closure at t = 1000 and 4000, the fitted slope, and a figure.
# About a minute on 2 cores.
#
# usage: validation/grok_width_convergence.sh [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
out=${1:-$root/out/grok_width}
mkdir -p "$out"
files=()
for n in 50 100 200 400 800 1600 3200 6400 25600; do
  sed "s/^N         = .*/N         = $n/" "$root/models/grok_width.ini" >"$out/N_$n.ini"
  "$hdsim" run --quiet "$out/N_$n.ini" -o "$out/N_$n.h5" || true  # exit 3 only if a run diverged
  files+=("$out/N_$n.h5")
done
python3 "$root/plots/grok_convergence.py" -o "$out/convergence.png" "${files[@]}"
