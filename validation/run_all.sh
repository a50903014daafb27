#!/usr/bin/env bash
# Runs every family's finite-size ladder (validation/*_ladder.ini) and every model in
# models/, and writes a Markdown report with all theory-vs-simulation figures, the
# ladder plots, the fitted slopes and PASS/FAIL (slope's 95% interval contains the
# expected value).
#   validation/run_all.sh [--short] [--out DIR]     (default DIR: out/validation)
# --short: the ladders' short rungs and only models/default.ini (what CI runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
short=0
out="$root/out/validation"
while [ $# -gt 0 ]; do
  case $1 in
    --short) short=1 ;;
    --out) out=$2; shift ;;
    *) echo "usage: $0 [--short] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
hdsim=${HDSIM:-$root/build/hdsim}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
mkdir -p "$out"
report="$out/README.md"
fails=0
{
  echo "# hdsim validation report"
  echo
  echo "Generated $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`validation/run_all.sh$([ $short = 1 ] && echo ' --short')\` with $("$hdsim" --version)."
  echo
  echo "## Finite-size ladders"
  echo
  echo "One run's rms relative deviation from the theory (sup over t) against the size; the fitted"
  echo "slope must be consistent with −1/2 (its 95% interval contains it)."
  echo
  echo "| ladder | sizes | slope | 95% interval | expected | result |"
  echo "|---|---|---|---|---|---|"
} >"$report"
figures=()
for model in "$root"/validation/*_ladder.ini; do
  name=$(basename "$model" .ini)
  key=ladder; [ $short = 1 ] && key=ladder-short
  line=$(grep -E "^; *$key:" "$model" | head -1)
  dims=$(sed -E 's/.*dims *= *([0-9,]+).*/\1/' <<<"$line")
  runs=$(sed -E 's/.*runs *= *([0-9,]+).*/\1/' <<<"$line")
  "$hdsim" validate "$model" --dims "$dims" --runs "$runs" -o "$out/$name.h5" --quiet
  "$py" "$root/plots/ladder.py" "$out/$name.h5" -o "$out/$name.png" >/dev/null
  read -r slope lo hi exp ok < <("$py" - "$out/$name.h5" <<'PY'
import sys, h5py
a = h5py.File(sys.argv[1], "r")["fit"].attrs
print(f"{a['slope']:.3f} {a['ci95_low']:.3f} {a['ci95_high']:.3f} {a['expected']:g} {int(a['consistent'])}")
PY
)
  result=PASS; [ "$ok" = 1 ] || { result=FAIL; fails=$((fails+1)); }
  echo "| $name | $dims | $slope | [$lo, $hi] | $exp | **$result** |" >>"$report"
  figures+=("$name")
done
{
  echo
  for f in "${figures[@]}"; do echo "![$f]($f.png)"; echo; done
  echo "## Theory against simulation, model by model"
  echo
} >>"$report"
models=("$root"/models/*.ini)
[ $short = 1 ] && models=("$root/models/default.ini")
for model in "${models[@]}"; do
  name=$(basename "$model" .ini)
  set +e
  "$hdsim" run "$model" -o "$out/$name.h5" --quiet
  rc=$?
  set -e
  [ $rc -le 3 ] || { echo "run of $model failed ($rc)" >&2; fails=$((fails+1)); continue; }
  if grep -q '^\[sweep\]' "$model"; then
    "$py" "$root/plots/sweep.py" "$out/$name.h5" -o "$out/$name.png" >/dev/null
  else
    "$py" "$root/plots/compare.py" "$out/$name.h5" -o "$out/$name.png" >/dev/null
  fi
  summary=$("$py" - "$out/$name.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
if "sweep" in f:
    sups = [f["points"][p]["compare"][k].attrs["sup_rel"] for p in f["points"]
            if "compare" in f["points"][p] for k in f["points"][p]["compare"]]
    tail = f"worst sup relative error over all observables {max(sups):.3g}" if sups else "theory only"
    print(f"sweep of {len(f['points'])} points; {tail}")
    sys.exit(0)
obs = f.attrs["observables"]
obs = (obs.decode() if isinstance(obs, bytes) else obs).split(",")[0]
if "compare" not in f:
    print(f"theory only ({obs})")
    sys.exit(0)
c = f["compare"][obs].attrs
st = f.attrs["status"]
st = st.decode() if isinstance(st, bytes) else st
print(f"status {st}; {obs}: sup relative error {c['sup_rel']:.3g}, sup |z| {c['sup_z']:.2f}")
PY
)
  { echo "### $name"; echo; echo "$summary"; echo; echo "![$name]($name.png)"; echo; } >>"$report"
done
echo "$report"
echo "validation: $(( ${#figures[@]} - fails < 0 ? 0 : ${#figures[@]} - fails )) ladders passed, $fails failed"
[ $fails -eq 0 ]
