#!/usr/bin/env bash
# Kumar et al. Figure 3(a): the alpha sweep alpha = 2^-5 ... 32 of models/grok_fig3a.ini
# (D = 100, P = 450, eps = 0.25, s_y = 2, eta0 = 0.5, 60 000 GD steps), N = infinity
# gradient flow for each alpha (~15 s in all on 2 cores), then plots/grok_sweep.py
# plots L(t)/L(0) and checks the orderings of spec §3.1 claim 2 (exit 1 if they fail).
#
# usage: validation/grok_fig3a.sh [OUTDIR]      (HDSIM=path/to/hdsim to override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hdsim=${HDSIM:-$root/build/hdsim}
out=${1:-$root/out/grok_fig3a}
mkdir -p "$out"
files=()
for a in 0.03125 0.25 0.5 1 2 4 8 16 32; do
  sed "s/^alpha = .*/alpha = $a/" "$root/models/grok_fig3a.ini" >"$out/alpha_$a.ini"
  "$hdsim" run --quiet "$out/alpha_$a.ini" -o "$out/alpha_$a.h5"
  files+=("$out/alpha_$a.h5")
done
python3 "$root/plots/grok_sweep.py" --check -o "$out/fig3a.png" "${files[@]}"
