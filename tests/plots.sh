#!/usr/bin/env bash
# plots/compare.py turns an output file into a PNG, with Debian's python3 and also when
# started by another python3 that lacks h5py (it re-executes itself with Debian's).
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}" "${HDSIM_PYTHON:?}"
. "$(dirname "$0")/lib.sh"
cat >"$tmp/m.ini" <<'INI'
[model]
problem = streaming_lsq
[data]
d = 200
spectrum = power_law
alpha = 2
bands = 3
label_noise = 0.3
[optimizer]
lr = 0.5
[simulation]
runs = 4
horizon = 2
INI
"$HDSIM" run "$tmp/m.ini" -o "$tmp/m.h5" --quiet
check "plot with Debian python" "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/compare.py" "$tmp/m.h5" -o "$tmp/a.png"
check "png written" test -s "$tmp/a.png"
check "png is a PNG" bash -c "head -c 8 '$tmp/a.png' | od -An -c | grep -q 'P   N   G'"
check "png has content (>20 kB)" test "$(stat -c %s "$tmp/a.png")" -gt 20000
if command -v python3 >/dev/null; then
  check "plot with python3 on PATH" python3 "$HDSIM_SOURCE_ROOT/plots/compare.py" "$tmp/m.h5" -o "$tmp/b.png"
  check "png written (PATH python3)" test -s "$tmp/b.png"
fi
finish
