#!/usr/bin/env bash
# gmm_cli.sh — gmm_multiclass from the command line: describe, check, run, the
# per-class lists' errors (file:line: [section] key, exit 2, no output file), the
# stability note and the divergence exit status, and the family's plot scripts.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi; }
exit_is() { local want=$1; shift; "$@" >"$tmp/stdout" 2>"$tmp/stderr"; local rc=$?; [ "$rc" -eq "$want" ] || { echo "  exit $rc, wanted $want: $*"; cat "$tmp/stderr"; return 1; }; }

check "list has gmm_multiclass" bash -c "'$HDSIM' list | grep -q '^gmm_multiclass'"
check "describe"                exit_is 0 "$HDSIM" describe gmm_multiclass
check "describe lists keys"     grep -q 'mean_beta' "$tmp/stdout"

base() { # base EXTRA-DATA-LINES LOSS  -> a small model on stdout
  printf '[model]\nproblem = gmm_multiclass\nseed = 5\n[data]\nd = 100\n%b\n[loss]\nkind = %b\n' "$1" "$2"
  printf '[optimizer]\nlr = 1\n[simulation]\nruns = 2\nhorizon = 1\n'
}
# bad input: FILE-LINE of the key, message, no output file
bad() { # bad NAME EXPECTED DATA LOSS
  local name=$1 want=$2
  base "$3" "$4" >"$tmp/$name.ini"
  check "$name: exit 2"        exit_is 2 "$HDSIM" run "$tmp/$name.ini" -o "$tmp/$name.h5" --quiet
  check "$name: message"       grep -q "$want" "$tmp/stderr"
  check "$name: no output"     test ! -e "$tmp/$name.h5"
}
bad alpha_count  "$tmp/alpha_count.ini:7: \[data\] alpha: 3 values for 2 classes" \
    'covariance = power_law\nalpha = 1, 2, 3' logistic
bad alpha_text   "\[data\] alpha: value 1 of \"one, two\": expected a real number" \
    'covariance = power_law\nalpha = one, two' logistic
bad probs_sum    "\[data\] probs: class probabilities must be 2 values summing to 1" \
    'probs = 0.5, 0.6' logistic
bad probs_one    "\[data\] probs: class probabilities must be 2 values summing to 1 (1 values" \
    'probs = 1' logistic
bad files_count  "\[data\] spectrum_file: 3 files for 2 classes" \
    'covariance = file\nspectrum_file = a.txt, b.txt, c.txt' logistic
bad normalise_bool "\[data\] normalise: " \
    'normalise = true' logistic
bad labels_01    "\[loss\] labels: logistic labels must be 0 or 1" \
    '' 'logistic\nlabels = 1, -1'
bad softmax_one  "\[loss\] kind: softmax needs classes >= 2" \
    'classes = 1\nmeans = zero' softmax
bad logistic_3   "\[loss\] kind: logistic is binary.*use kind = softmax" \
    'classes = 3\nmeans = orthogonal' logistic
bad antipodal_3  "\[data\] means: antipodal means need classes <= 2: use means = orthogonal" \
    'classes = 3' softmax
bad labels_soft  "\[loss\] labels: softmax / onehot_ls labels are the classes: remove labels" \
    'classes = 3\nmeans = orthogonal' 'softmax\nlabels = 0, 1, 2'
bad teacher_log  "\[data\] teacher: a teacher needs \[loss\] kind = least_squares" \
    'teacher = random' logistic
bad limit_iso    "\[data\] limit_nodes: the d -> infinity node grid needs" \
    'limit_nodes = 100' logistic
bad clean_iso    "\[data\] mean_profile: clean means need zero-variance modes" \
    'mean_profile = clean' logistic

base 'covariance = power_law\nalpha = 1.1, 1.5\nmean_profile = power_law' logistic >"$tmp/ok.ini"
check "check ok"                exit_is 0 "$HDSIM" check "$tmp/ok.ini"
check "run ok"                  exit_is 0 "$HDSIM" run "$tmp/ok.ini" -o "$tmp/ok.h5" --quiet
check "output has theory risk"  bash -c "h5dump -d /theory/risk '$tmp/ok.h5' >/dev/null 2>&1"
check "output has band margins" bash -c "h5dump -d /simulation/band_0_margin/mean '$tmp/ok.h5' >/dev/null 2>&1"
check "alpha list recorded"     bash -c "h5dump -A -g /parameters '$tmp/ok.h5' | grep -q '1.1, 1.5'"
check "derived values in /multiclass" bash -c "h5dump -a /multiclass/quadrature '$tmp/ok.h5' | grep -q 'Gauss-Hermite'"
check "groups in /multiclass"   bash -c "h5dump -d /multiclass/groups/lambda_2 '$tmp/ok.h5' >/dev/null 2>&1"

base 'covariance = isotropic' 'least_squares' | sed -e 's/^lr = 1$/lr = 5/' -e 's/^horizon = 1$/horizon = 10/' >"$tmp/div.ini"
check "beyond gamma_crit: exit 3" exit_is 3 "$HDSIM" run "$tmp/div.ini" -o "$tmp/div.h5"
check "stability note"            grep -q 'stability threshold 2B/rho(G) = 2' "$tmp/stderr"

if [ -n "${HDSIM_PYTHON:-}" ]; then
  # a small sweep over lr and d stands in for each Figure-1 panel
  { base 'covariance = isotropic' logistic; printf '[output]\ntimes = log(0.1, 1, 4)\n[sweep]\noptimizer.lr = 0.5, 1\ndata.d = 50, 100\n'; } >"$tmp/sw.ini"
  check "sweep over lr and d" exit_is 0 "$HDSIM" run "$tmp/sw.ini" -o "$tmp/sw.h5" --quiet
  check "figure-1 plot"  exit_is 0 "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/multiclass_figure1.py" "$tmp/sw.h5" "$tmp/sw.h5" "$tmp/sw.h5" "$tmp/sw.h5" -o "$tmp/f1.png"
  check "figure-1 png"   test -s "$tmp/f1.png"
  check "bands plot"     exit_is 0 "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/multiclass_bands.py" "$tmp/ok.h5" -o "$tmp/bands.png"
  check "bands png"      test -s "$tmp/bands.png"
  { base 'covariance = power_law\nalpha = 1.1, 1.5\nmean_profile = power_law\nlimit_nodes = 50' logistic \
      | sed -e 's/^horizon = 1$/horizon = 1e9\nenabled = false/'
    printf '[output]\ntimes = log(0.01, 1e9, 50)\n[sweep]\ndata.mean_beta = 0, 0.5\n'; } >"$tmp/lim.ini"
  check "beta sweep (d -> infinity)" exit_is 0 "$HDSIM" run "$tmp/lim.ini" -o "$tmp/lim.h5" --quiet
  check "beta plot (its checks pass)" exit_is 0 "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/multiclass_beta.py" "$tmp/lim.h5" -o "$tmp/b.png"
  check "beta png"       test -s "$tmp/b.png"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
