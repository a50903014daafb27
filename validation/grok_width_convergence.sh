#!/usr/bin/env bash
# Convergence of finite-width training to the N = infinity theory (spec §2.3, §6.4):
# models/grok_width.ini sweeps N = 50 ... 25600 (12 initialisation seeds each; the closure
# algorithm is exact at any N and costs the same for every N >= D); then
# plots/grok_convergence.py reports the RMS deviation of the population test loss from
# the N = infinity GD closure at t = 1000 and 4000, the fitted slope, and a figure.
# About a minute on 2 cores.
#
# usage: validation/grok_width_convergence.sh [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
out=${1:-$root/out}
mkdir -p "$out"
"$hdsim" run --quiet "$root/models/grok_width.ini" -o "$out/grok_width.h5"
python3 "$root/plots/grok_convergence.py" -o "$out/grok_width.png" "$out/grok_width.h5"
