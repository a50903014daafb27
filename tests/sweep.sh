#!/usr/bin/env bash
# [sweep]: every point of the Cartesian product is an ordinary run (bit-identical to
# running that point's model on its own), gathered in one file with the table of swept
# values; an interrupted sweep resumes point by point to the same result; the plot
# script draws it.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
body='[model]
problem = streaming_lsq
seed = 4
[data]
d = 200
spectrum = power_law
alpha = 1.5
label_noise = LN
[optimizer]
lr = LR
[simulation]
runs = 4
horizon = 3
[output]
times = log(0.01, 3, 12)'
{ sed -e 's/LN/0.5/' -e 's/LR/0.8/' <<<"$body"; printf '[sweep]\noptimizer.lr = 0.25, 0.5, 1.0\ndata.label_noise = 0, 0.5\n'; } >sw.ini
sed -e 's/LN/0.5/' -e 's/LR/0.5/' <<<"$body" >point3.ini
check "check a sweep" "$HDSIM" check sw.ini
"$HDSIM" run sw.ini -o sw.h5 --quiet; rc=$?
check "sweep runs: exit 0" test "$rc" -eq 0
check "no point files left" test ! -e sw.h5.points
check "6 points" bash -c 'h5dump -a /sweep/n_points sw.h5 | grep -q "(0): 6"'
check "swept values table (first key slowest)" bash -c 'h5dump -d /sweep/optimizer.lr sw.h5 | grep -q "0.25, 0.25, 0.5, 0.5, 1, 1"'
check "point attributes" bash -c 'h5dump -a /points/3/optimizer.lr sw.h5 | grep -q "\"0.5\"" && h5dump -a /points/3/data.label_noise sw.h5 | grep -q "\"0.5\""'
"$HDSIM" run point3.ini -o p3.h5 --quiet
check "point 3 is bit-identical to its own run" h5diff -q sw.h5 p3.h5 /points/3/simulation /simulation
check "point 3 theory identical" h5diff -q sw.h5 p3.h5 /points/3/theory /theory
check "point 3 resolved parameters stored" bash -c 'h5dump -a "/points/3/parameters/optimizer.lr" sw.h5 | grep -q "0.5"'

# a longer sweep interrupted and resumed
sed -e 's/^d = 200/d = 2000/' -e 's/^horizon = 3/horizon = 10/' -e 's/^times = .*/times = log(0.01, 10, 12)/' sw.ini >long.ini
"$HDSIM" run long.ini -o full.h5 --quiet --threads 2
"$HDSIM" run long.ini -o r.h5 --quiet --threads 2 & pid=$!
# interrupt once the second point is done (each point takes a good fraction of a second)
for _ in $(seq 600); do [ -e r.h5.points/point_1.h5 ] && break; sleep 0.05; done
kill -INT $pid; wait $pid; rc=$?
check "interrupted sweep: exit 4" test "$rc" -eq 4
check "interrupted sweep: nothing under the final name, points kept" bash -c 'test ! -e r.h5 && test -d r.h5.points'
"$HDSIM" run long.ini -o r.h5 --quiet --resume; rc=$?
check "resumed sweep: exit 0" test "$rc" -eq 0
same=1
for p in 0 1 2 3 4 5; do
  for part in simulation theory compare; do h5diff -q full.h5 r.h5 /points/$p/$part /points/$p/$part || same=0; done
done
check "resumed sweep identical to the uninterrupted one (every point's data)" test "$same" -eq 1
if [ -n "${HDSIM_PYTHON:-}" ]; then
  check "sweep plot" "$HDSIM_PYTHON" "$HDSIM_SOURCE_ROOT/plots/sweep.py" sw.h5 -o sw.png
  check "sweep plot written" test -s sw.png
fi
finish
