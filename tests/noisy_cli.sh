#!/usr/bin/env bash
# noisy_cli.sh — the noisy_sgd problem end to end through the command line: describe,
# every models/noisy_*.ini validates, bad input (exit 2, file:line, nothing written), a
# small run with privacy writes /risk_parts and /privacy, 1 vs 2 threads bit-identical,
# +inf stored (not clamped) beyond alpha_max, and the family's plot script.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$HDSIM_SOURCE_ROOT/tests/lib.sh"

check "list has noisy_sgd"   bash -c "'$HDSIM' list | grep -q '^noisy_sgd'"
check "describe noisy_sgd"   exit_is 0 "$HDSIM" describe noisy_sgd
check "describe: sigma row"  grep -q 'sigma' "$tmp/stdout"
check "describe: privacy"    grep -q 'orders' "$tmp/stdout"
for m in "$HDSIM_SOURCE_ROOT"/models/noisy_*.ini; do
  check "check $(basename "$m")" exit_is 0 "$HDSIM" check "$m"
done

cat >"$tmp/m.ini" <<'INI'
[model]
problem = noisy_sgd
seed = 3
[data]
d = 200
spectrum = isotropic
target = aligned
label_noise = 0.1
[optimizer]
lr = 0.25
ridge = 0.5
[noise]
sigma = 1
[privacy]
enabled = true
orders = 1, 2, 3
nodes = 40
budget = 2
random_pairs = 30
[simulation]
runs = 4
horizon = 1.5
[output]
times = linear(0, 1.5, 7)
INI
cd "$tmp" || exit 1
check "run with privacy (worst pair)" exit_is 0 "$HDSIM" run m.ini -o a.h5 --threads 1 --quiet
check "layout: /privacy and /risk_parts" bash -c 'h5ls -r a.h5 | grep -q "^/privacy/eps_exact" && h5ls -r a.h5 | grep -q "^/privacy/accountant_ye_shokri" && h5ls -r a.h5 | grep -q "^/risk_parts/closed_form"'
check "t_star and random_pair_eps written" bash -c 'h5ls -r a.h5 | grep -q "^/privacy/t_star" && h5ls -r a.h5 | grep -q "^/privacy/random_pair_eps"'
check "eps_3 = +inf stored (alpha_max 2.29)" bash -c 'h5dump -d /privacy/eps_exact a.h5 | grep -q "inf"'
check "reason stored" bash -c 'h5dump -a /privacy/reason a.h5 | grep -q "not positive definite"'
check "2 threads" exit_is 0 "$HDSIM" run m.ini -o b.h5 --threads 2 --quiet
check "1 vs 2 threads: /simulation and /privacy identical" bash -c 'h5diff -q a.h5 b.h5 /simulation /simulation && h5diff -q a.h5 b.h5 /privacy /privacy'

check "sigma sweep: one file, /privacy per point" bash -c "'$HDSIM' run '$HDSIM_SOURCE_ROOT/models/noisy_sigma_sweep.ini' -o sw.h5 --quiet && h5ls -r sw.h5 | grep -q '^/points/4/privacy/eps_exact'"

bad() { # bad EXPECTED-SUBSTRING MODEL-TEXT
  printf "%s\n" "$2" >"$tmp/bad.ini"
  rm -f "$tmp/bad.h5"
  exit_is 2 "$HDSIM" run "$tmp/bad.ini" -o "$tmp/bad.h5" --quiet && grep -q -- "$1" "$tmp/stderr" &&
    grep -q "bad.ini" "$tmp/stderr" && test ! -e "$tmp/bad.h5"
}
base=$'[model]\nproblem = noisy_sgd\n[simulation]\nhorizon = 1\n[data]\nd = 50\n[optimizer]\nlr = 0.5\n'
check "bad: privacy without noise" bad "sigma > 0" "$base"$'[privacy]\nenabled = true'
check "bad: one record of the pair" bad "give both records" "$base"$'[noise]\nsigma = 1\n[privacy]\nenabled = true\nrecord_1 = 3'
check "bad: orders text" bad 'privacy. orders: value 2 of "2, x": expected a real number, got "x"' "$base"$'[noise]\nsigma = 1\n[privacy]\nenabled = true\norders = 2, x'
check "bad: order below 1" bad 'privacy. orders: value 2 of "2, 0.5": value 0.5 out of range .1, inf)' "$base"$'[noise]\nsigma = 1\n[privacy]\nenabled = true\norders = 2, 0.5'
check "bad: clip with recursion" bad "no exact finite-d recursion" "$base"$'[noise]\nclip = 0.5\n[theory]\nmethod = recursion'
check "bad: batch not << d" bad "not << d" "$base"$'[noise]\nbatch = 20'
check "bad: negative sigma" bad "sigma" "$base"$'[noise]\nsigma = -1'
check "bad: order with streaming" bad "only used with dataset = fixed" "$base"$'[noise]\norder = shuffled'

if [ -n "${HDSIM_PYTHON:-}" ]; then
  check "plot risk"     "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/noisy_sgd.py" risk a.h5 -o r.png
  check "plot privacy"  "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/noisy_sgd.py" privacy a.h5 -o p.png
  check "plot frontier" "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/noisy_sgd.py" frontier a.h5 b.h5 --order 2 -o f.png
  check "plot frontier of a sweep" "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/noisy_sgd.py" frontier sw.h5 -o fs.png
  check "pngs written"  bash -c 'test -s r.png && test -s p.png && test -s f.png && test -s fs.png'
fi
finish
