#!/usr/bin/env bash
# glm_cli.sh — the glm family end to end through the hdsim binary:
#   - a logistic model runs (exit 0) and writes theory and simulation for every observable;
#   - 1 and 2 threads give bit-identical datasets (each thread evaluates its own copy of
#     the formulas: one shared libmatheval evaluator would mix the threads' variables);
#   - a loss whose slope becomes non-finite during the run (-log(2 - y r) once y r >= 2):
#     exit 3, the output written, /diagnostics with the theory's failure time and every
#     run's divergence time;
#   - hdsim describe glm lists the formula keys.
# Bad formulas refused up front are in tests/bad_models (bad_models.sh).
set -u
hdsim=${HDSIM:?}
root=${HDSIM_SOURCE_ROOT:?}
py=${HDSIM_PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/hdsim_glm_cli.XXXXXX") || exit 1
trap 'rm -rf -- "$work"' EXIT
pass=0 fail=0
ok() { echo "ok  : $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

cat > "$work/logistic.ini" <<'INI'
[model]
problem = glm
seed = 3
[data]
d = 200
spectrum = power_law
[glm]
target = sign(r_star)
loss = log(1 + exp(-y*r))
metric = r*y < 0
[optimizer]
lr = 1
batch = 2
ridge = 0.01
[simulation]
runs = 4
horizon = 2
[output]
times = log(0.1, 2, 5)
INI
"$hdsim" run "$work/logistic.ini" -o "$work/t1.h5" --threads 1 --quiet
rc=$?
[[ $rc == 0 ]] && ok "logistic model runs" || bad "logistic model: exit $rc"
"$hdsim" run "$work/logistic.ini" -o "$work/t2.h5" --threads 2 --quiet
if "$py" "$root/tests/python/same_datasets.py" "$work/t1.h5" "$work/t2.h5" > "$work/same.log" 2>&1; then
  ok "1 and 2 threads: bit-identical datasets"
else
  bad "1 vs 2 threads differ: $(tail -3 "$work/same.log")"
fi
if "$py" - "$work/t1.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for o in ["risk", "metric", "overlap", "cosine", "norm"]:
    th, mc = f["theory/" + o][:], f["simulation/" + o + "/mean"][:]
    assert np.all(np.isfinite(th)) and np.all(np.isfinite(mc)), o
PY
then ok "theory and simulation for risk, metric, overlap, cosine, norm"; else bad "observables missing"; fi

cat > "$work/nonfinite.ini" <<'INI'
[model]
problem = glm
seed = 3
[data]
d = 100
[glm]
target = sign(r_star)
loss = -log(2 - y*r)
[optimizer]
lr = 2
[simulation]
runs = 4
horizon = 5
[output]
times = log(0.1, 5, 6)
INI
"$hdsim" run "$work/nonfinite.ini" -o "$work/nf.h5" --threads 2 --quiet 2> "$work/nf.err"
rc=$?
[[ $rc == 3 ]] && ok "non-finite slope during the run: exit 3" || bad "non-finite slope: exit $rc (want 3)"
if "$py" - "$work/nf.h5" <<'PY'
import sys, h5py, numpy as np
d = h5py.File(sys.argv[1], "r")["diagnostics"]
assert d.attrs["theory_failed"] == 1 and np.isfinite(d.attrs["theory_t_fail"])
t = d["diverged_times"][:]
assert len(t) == 4 and np.all(np.isfinite(t)) and np.all(t <= 5)
PY
then ok "/diagnostics: the theory's failure time and every run's divergence time"
else bad "/diagnostics incomplete"; fi

if "$hdsim" describe glm 2>&1 | grep -q "target" && "$hdsim" describe glm 2>&1 | grep -q "metric"; then
  ok "describe glm lists target, loss, metric"
else bad "describe glm"; fi

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
