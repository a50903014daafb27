#!/usr/bin/env bash
# memory_gate.sh — an oversized model is refused from its parameters alone, before any
# plan is built: for each family, its documented maximum size is refused by `run` and by
# `check` within seconds (exit 2, the estimate and the limit named, nothing written);
# a sweep with one oversized point and a validate ladder with one oversized rung are
# refused before anything runs; `check` says ok only once every check passed; and the
# estimate from the parameters is never far below the one the plan gives (it is the gate).
# On the binary before the gate each maximum model built its plan first (over a minute
# and 3-6 GB for streaming_lsq, noisy_sgd, gmm_multiclass, sam_streaming at d = 1e8).
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
B="$HDSIM_SOURCE_ROOT/tests/boundary"
M="$HDSIM_SOURCE_ROOT/models"
# model PROBLEM NAME SECTION KEY VALUE [SECTION KEY VALUE ...]: NAME.ini from the base model
model() {
  local pb=$1 name=$2; shift 2
  cp "$B/$pb.ini" "$name.ini"
  while [ $# -ge 3 ]; do set_key "$name.ini" "$1" "$2" "$3" >t.ini && mv t.ini "$name.ini"; shift 3; done
}
refused_msg='needs about .* of memory .*more than the 512.0 MiB allowed by --max-memory'

# ---- each family at its documented maximum size
model streaming_lsq lsq data d 1e8
model noisy_sgd noisy data d 1e8
model gmm_multiclass gmm data d 1e8
model sam_streaming sams data d 1e8
model glm glm data d 1e8
model committee committee data d 1e8 network student_units 8 network teacher_units 8
# sam_quadratic at d = 4096: validation bounds the Wishart draw's work (dim^2 wishart_n);
# the largest it allows, with SAM's d x d per-run scratch
model sam_quadratic samq quadratic spectrum wishart quadratic dim 4096 quadratic wishart_n 5000 \
  optimizer algorithm sam theory method none
sed -i '/^eigenvalues/d' samq.ini
model dmft_grokking grok data P 1000000 data test_points 1000000 network N 10000000 data D 4096 \
  observables kmse false
model dmft_grokking readouts network model readouts theory particles 10000000 data D 4096
# d_in = 1e5 is refused by validation (a run's data matrix); the maximum runs, times and
# quadrature nodes are what the gate sees
model grok_linear_estimator gle simulation runs 1e7 theory quadrature 1e7 output times "log(1, 100, 100)"
for m in lsq noisy gmm sams glm committee samq grok readouts gle; do
  check "$m at its maximum: run refused (exit 2) within 10 s" exit_is 2 \
    timeout 10 "$HDSIM" run $m.ini -o $m.h5 --quiet --threads 1 --max-memory 512M
  check "  names the estimate and the limit" grep -q "$refused_msg" "$tmp/stderr"
  check "  nothing written" bash -c "! ls $m.h5* >/dev/null 2>&1"
  check "$m at its maximum: check refused (exit 2) within 10 s, no ok" exit_is 2 \
    timeout 10 "$HDSIM" check $m.ini --max-memory 512M
  check "  names the estimate and the limit; no ok" bash -c \
    "grep -q '$refused_msg' '$tmp/stderr' && ! grep -q ': ok' '$tmp/stdout'"
done
# MPI reaches the same gate through the same session (every rank refuses, none hangs)
if command -v mpirun >/dev/null && [ -x "${HDSIM_MPI:-}" ]; then
  check "hdsim-mpi: the maximum model refused on both ranks (exit 2) within 20 s" exit_is 2 \
    timeout 20 mpirun --allow-run-as-root --oversubscribe -np 2 "$HDSIM_MPI" run lsq.ini -o mpi.h5 \
    --quiet --threads 1 --max-memory 512M
fi

# ---- a sweep: every point is gated before the first one runs
model streaming_lsq swp
printf '[sweep]\ndata.d = 40, 1e8\n' >>swp.ini
check "sweep with an oversized point: refused before point 1 runs (exit 2)" exit_is 2 \
  timeout 10 "$HDSIM" run swp.ini -o swp.h5 --quiet --threads 1 --max-memory 512M
check "  names the point" grep -q 'at sweep point 1: data.d = 1e8' "$tmp/stderr"
check "  no point ran" bash -c "! ls swp.h5* >/dev/null 2>&1"

# ---- validate: every rung from its parameters, before the first rung runs
model streaming_lsq lad
check "validate: a rung at d = 1e8 refused within 10 s (exit 2), naming the rung" exit_is 2 \
  timeout 10 "$HDSIM" validate lad.ini --dims 40,80,1e8 --max-memory 512M -o lad.h5
check "  names the rung and the limit" bash -c "grep -q 'data.d = 1e+08' '$tmp/stderr' && grep -q 'max-memory' '$tmp/stderr'"

# ---- check says ok only once every check passed (the grid, the memory estimate)
model streaming_lsq grid output times "log(1e-9, 1e-8, 4)"
check "check: an output grid with no time after 0 refused (exit 2)" exit_is 2 "$HDSIM" check grid.ini
check "  without printing ok first" bash -c "! grep -q ': ok' '$tmp/stdout' && grep -q 'no time after t = 0' '$tmp/stderr'"
model streaming_lsq mid data d 1e6
check "check: a model over --max-memory refused (exit 2) without printing ok" exit_is 2 \
  "$HDSIM" check mid.ini --max-memory 20M
check "  no ok on stdout" bash -c "! grep -q ': ok' '$tmp/stdout'"
check "check: the same model under the limit says ok" exit_is 0 "$HDSIM" check mid.ini --max-memory 0

# ---- the gate is never below the plan's own estimate (check --plan prints both)
mib() { awk '{ v = $1; if ($2 == "GiB") v *= 1024; print v }'; }
for f in lsq_powerlaw noisy_powerlaw_privacy multiclass_softmax3 sam_streaming_dnsam glm_logistic \
  committee_erf_powerlaw sam_quadratic_usam grok_small grok_readouts grok_linear_estimator; do
  "$HDSIM" check --plan --threads 1 "$M/$f.ini" >plan.out 2>&1
  post=$(sed -n 's/^memory: about \([0-9.]* [MG]iB\).*/\1/p' plan.out | mib)
  pre=$(sed -n 's/^memory before planning: about \([0-9.]* [MG]iB\).*/\1/p' plan.out | mib)
  check "$f: estimate from the parameters ($pre MiB) >= 0.95 x the plan's ($post MiB)" \
    awk -v a="$pre" -v b="$post" 'BEGIN { exit !(a != "" && b != "" && a >= 0.95 * b) }'
done
finish
