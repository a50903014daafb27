#!/usr/bin/env bash
# sam_cli.sh — the SAM family from the command line: every shipped sam model validates,
# bad sam inputs are rejected with exit 2 and a message naming file, line, section and
# key (and write nothing), and the family's plot scripts turn small runs into PNGs.
# Environment: HDSIM, HDSIM_SOURCE_ROOT, HDSIM_PYTHON (optional: plots skipped without it).
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
root=$HDSIM_SOURCE_ROOT
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi; }

for m in "$root"/models/sam_*.ini; do
  check "check $(basename "$m")" "$HDSIM" check "$m"
done

# bad input: file, expected exit 2, expected substring of stderr
bad() {
  local name=$1 want=$2
  (cd "$tmp" && "$HDSIM" run "$name.ini" -o "$tmp/$name.h5" --quiet 2>"$tmp/$name.err")
  local rc=$?
  check "$name: exit 2" test "$rc" -eq 2
  check "$name: message '$want'" grep -qF -- "$want" "$tmp/$name.err"
  check "$name: no output" test ! -e "$tmp/$name.h5"
}
cat >"$tmp/noisy_sam_ode.ini" <<'INI'
[model]
problem = sam_quadratic
[quadratic]
eigenvalues = 1, 0.5
noise_std = 0.1
[optimizer]
algorithm = sam
lr = 0.01
rho = 0.1
[simulation]
horizon = 1
INI
bad noisy_sam_ode "[theory] method: algorithm = sam with gradient noise has no closed moment system"
cat >"$tmp/bad_eigen.ini" <<'INI'
[model]
problem = sam_quadratic
[quadratic]
eigenvalues = 1, two
[optimizer]
algorithm = usam
lr = 0.01
[simulation]
horizon = 1
INI
bad bad_eigen 'bad_eigen.ini:4: [quadratic] eigenvalues: value 2 of "1, two": expected a real number'
cat >"$tmp/wishart_list.ini" <<'INI'
[model]
problem = sam_quadratic
[quadratic]
spectrum = wishart
eigenvalues = 1, 0.5
[optimizer]
algorithm = usam
lr = 0.01
[simulation]
horizon = 1
INI
bad wishart_list "wishart_list.ini:5: [quadratic] eigenvalues: eigenvalues is only read with spectrum = list"
cat >"$tmp/sgd_rho.ini" <<'INI'
[model]
problem = sam_streaming
[data]
d = 100
[optimizer]
algorithm = sgd
lr = 0.5
rho_bar = 0.3
[simulation]
horizon = 1
INI
bad sgd_rho "sgd_rho.ini:8: [optimizer] rho_bar: algorithm = sgd takes no rho_bar"
cat >"$tmp/sam_recursion.ini" <<'INI'
[model]
problem = sam_streaming
[data]
d = 100
[optimizer]
algorithm = sam
lr = 0.5
rho_bar = 0.3
[simulation]
horizon = 1
[theory]
method = recursion
INI
bad sam_recursion "[theory] method: the exact finite-d recursion (H1, H2) exists for sgd and usam"

# plots from small runs
if [[ -n ${HDSIM_PYTHON:-} ]]; then
  sed -e 's/^d *= .*/d = 200/' -e 's/^runs *= .*/runs = 2/' -e 's/^horizon *= .*/horizon = 2/' \
      -e 's/^times *= .*/times = log(0.05, 2, 10)/' "$root/models/sam_streaming_sam.ini" >"$tmp/s.ini"
  "$HDSIM" run "$tmp/s.ini" -o "$tmp/s.h5" --quiet
  check "plots/sam_streaming.py" "$HDSIM_PYTHON" "$root/plots/sam_streaming.py" "$tmp/s.h5" -o "$tmp/s.png"
  check "streaming png written" test -s "$tmp/s.png"
  sed -e 's/^runs *= .*/runs = 4/' -e 's/^horizon *= .*/horizon = 20/' \
      -e 's/^times *= .*/times = linear(0, 20, 21)/' "$root/models/sam_saddle_usam_escape.ini" >"$tmp/q.ini"
  "$HDSIM" run "$tmp/q.ini" -o "$tmp/q.h5" --quiet
  check "plots/sam_saddle.py" "$HDSIM_PYTHON" "$root/plots/sam_saddle.py" "$tmp/q.h5" -o "$tmp/q.png"
  check "saddle png written" test -s "$tmp/q.png"
  check "plots/sam_weak_error.py" "$HDSIM_PYTHON" "$root/plots/sam_weak_error.py" "$root/data/sam_weak_error" -o "$tmp/w.png"
  check "weak-error png written" test -s "$tmp/w.png"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
