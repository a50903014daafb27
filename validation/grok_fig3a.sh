#!/usr/bin/env bash
# Kumar et al. Figure 3(a): models/grok_fig3a.ini sweeps alpha = 2^-5 ... 32 (D = 100,
# P = 450, eps = 0.25, s_y = 2, eta0 = 0.5, 60 000 GD steps; N = infinity gradient flow,
# ~15 s on 2 cores); plots/grok_sweep.py plots L(t)/L(0) per alpha and checks the
# orderings of spec §3.1 claim 2 (exit 1 if they fail).
#
# usage: validation/grok_fig3a.sh [OUTDIR]      (HDSIM=path/to/hdsim to override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
out=${1:-$root/out}
mkdir -p "$out"
"$hdsim" run --quiet "$root/models/grok_fig3a.ini" -o "$out/grok_fig3a.h5"
python3 "$root/plots/grok_sweep.py" --check -o "$out/grok_fig3a.png" "$out/grok_fig3a.h5"
