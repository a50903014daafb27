#!/usr/bin/env bash
# End-to-end checks of the grokking problems: runs, thread-independence of the finite-N
# networks (OpenBLAS inside, MC threads outside), clear errors for bad input (file, line,
# section, key; exit 2; no file), divergence reported, and the three grokking plots.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
py=${HDSIM_PYTHON:-}
cd "$tmp" || exit 1
cat >g.ini <<'INI'
[model]
problem = dmft_grokking
seed = 4
[data]
D = 16
P = 60
test_points = 80
[network]
N = 24
alpha = 1
eps = 0.4
[optimizer]
eta0 = 0.5
[observables]
cka = true
[simulation]
runs = 4
horizon = 400
[theory]
method = recursion
[output]
times = log(1, 400, 12)
INI
check "list has dmft_grokking" bash -c '"$HDSIM" list | grep -q "^dmft_grokking"'
check "list has grok_linear_estimator" bash -c '"$HDSIM" list | grep -q "^grok_linear_estimator"'
check "describe dmft_grokking" bash -c '"$HDSIM" describe dmft_grokking | grep -q "limit"'
check "threads 1" exit_is 0 "$HDSIM" run g.ini -o t1.h5 --threads 1 --quiet
check "threads 2" exit_is 0 "$HDSIM" run g.ini -o t2.h5 --threads 2 --quiet
check "1 vs 2 threads: /simulation identical" h5diff -q t1.h5 t2.h5 /simulation /simulation
check "1 vs 2 threads: /theory identical" h5diff -q t1.h5 t2.h5 /theory /theory
check "cka recorded" bash -c 'h5ls -r t1.h5 | grep -q "^/simulation/cka/mean"'
sed 's/method = recursion/method = ode/' g.ini >o.ini
check "gradient-flow theory" exit_is 0 "$HDSIM" run o.ini -o o.h5 --quiet
sed 's/method = recursion/method = recursion\nlimit = lazy/; s/N = 24/N = 24\ncenter = false/' g.ini >bad.ini
check "lazy limit needs centring: exit 2" exit_is 2 "$HDSIM" run bad.ini -o bad.h5 --quiet
check "error names file, line, section and key" grep -q 'bad.ini:[0-9]*: \[theory\] limit' "$tmp/stderr"
check "no file on bad input" test ! -e bad.h5
sed 's/eps = 0.4/eps = -1/' g.ini >neg.ini
check "negative eps: exit 2" exit_is 2 "$HDSIM" run neg.ini -o neg.h5 --quiet
check "negative eps named" grep -q '\[network\] eps' "$tmp/stderr"
sed 's/method = recursion/method = ode/; s/eta0 = 0.5/eta0 = 0.5\nbatch = 20/' g.ini >sgd.ini
check "minibatch with gradient flow: exit 2" exit_is 2 "$HDSIM" run sgd.ini -o sgd.h5 --quiet
check "minibatch error names the key" grep -q '\[optimizer\] batch' "$tmp/stderr"
sed 's/method = recursion/method = ode/; s/eta0 = 0.5/eta0 = 0.5\nmomentum = 0.9/' g.ini >mom.ini
check "momentum with gradient flow: exit 2" exit_is 2 "$HDSIM" run mom.ini -o mom.h5 --quiet
sed 's/eta0 = 0.5/eta0 = 0.5\nbatch = 20\nweight_decay = 0.01\nmomentum = 0.9/' g.ini >sgd2.ini
check "minibatch SGD with weight decay and momentum runs" exit_is 0 "$HDSIM" run sgd2.ini -o sgd2.h5 --quiet
sed 's/eta0 = 0.5/eta0 = 400/' g.ini >div.ini
check "diverging GD exits 3" exit_is 3 "$HDSIM" run div.ini -o div.h5 --quiet
check "divergence reported" grep -q 'theory failed\|runs diverged' "$tmp/stderr"
cat >l.ini <<'INI'
[model]
problem = grok_linear_estimator
[data]
d_in = 50
lambda = 1.5
[optimizer]
eta = 0.05
[simulation]
runs = 3
horizon = 100
route = gd
INI
check "linear estimator, GD route" exit_is 0 "$HDSIM" run l.ini -o l.h5 --quiet
sed 's/eta = 0.05/eta = 0.5/' l.ini >l2.ini
check "unstable eta rejected" exit_is 2 "$HDSIM" run l2.ini -o l2.h5 --quiet
check "unstable eta names the key" grep -q '\[optimizer\] eta' "$tmp/stderr"
if [ -n "$py" ]; then
  check "grok_losses.py" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_losses.py" t1.h5 -o a.png
  check "losses png" test -s a.png
  sed 's/alpha = 1$/alpha = 4/' g.ini >g4.ini
  "$HDSIM" run g4.ini -o t4.h5 --quiet
  check "grok_sweep.py" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_sweep.py" t1.h5 t4.h5 -o b.png
  check "sweep png" test -s b.png
  sed 's/N = 24/N = 96/' g.ini >g96.ini
  "$HDSIM" run g96.ini -o t96.h5 --quiet
  check "grok_convergence.py" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_convergence.py" t1.h5 t96.h5 -o c.png
  check "convergence png" test -s c.png
  { sed 's/method = recursion/method = ode/; s/^runs = 4/runs = 2/; s/enabled/x/' g.ini
    printf '[sweep]\nnetwork.alpha = 0.5, 1, 2\nnetwork.eps = 0.2, 0.4\n'; } >ph.ini
  sed -i 's/^\[simulation\]/[simulation]\nenabled = false/' ph.ini
  check "alpha x eps sweep" exit_is 0 "$HDSIM" run ph.ini -o ph.h5 --quiet
  sed 's/^cka = true/cka = false\nkmse = false/' g.ini >nk.ini
  check "without kmse and cka" exit_is 0 "$HDSIM" run nk.ini -o nk.h5 --quiet
  check "grok_losses.py without kmse" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_losses.py" nk.h5 -o nk.png
  # theta = the median over the points of their lowest test loss, so that some points
  # generalise and some never do whatever the dataset draw; their count is read from the
  # file here, independently of the script
  counts=$("$py" -c '
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
pts = [f["points"][k]["theory"] for k in f["points"]]
lo = [(g["train"][()].min(), g["test_pop"][()].min()) for g in pts]
theta = float(np.median([te for _, te in lo]))
print(repr(theta), sum(1 for tr, te in lo if tr >= theta or te >= theta))' ph.h5)
  theta=${counts% *}; never=${counts#* }
  check "phase: the median test loss splits the 6 points (never = $never)" test "$never" -ge 1 -a "$never" -le 5
  check "grok_phase.py" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_phase.py" ph.h5 --theta "$theta" -o e.png
  check "phase png" test -s e.png
  check "phase: points that never generalise are reported" grep -q "($never never generalise)" "$tmp/stdout"
  check "grok_sweep.py on a sweep file" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_sweep.py" ph.h5 -o f.png
  check "grok_linear.py" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/grok_linear.py" l.h5 -o l.png
  check "compare.py on a grokking file" exit_is 0 "$py" "$HDSIM_SOURCE_ROOT/plots/compare.py" t1.h5 -o d.png
fi
finish
