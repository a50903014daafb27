#!/usr/bin/env bash
# No lost results: SIGINT / SIGTERM during a run keep the finished runs in a valid file
# marked status = interrupted (OUT.partial, or OUT with --keep-partial), exit 4, and
# `--resume` continues to a result bit-identical to an uninterrupted run.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
sed -e 's/^seed = 9/seed = 4/' -e 's/^d = 300/d = 1000/' -e 's/^runs = 6/runs = 40/' \
  -e 's/^horizon = 3/horizon = 60/' -e 's/^times = .*/times = log(0.01, 60, 30)/' "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" >long.ini
"$HDSIM" run long.ini -o full.h5 --quiet --threads 2
check "reference run" test -f full.h5

# interrupted half-way (the whole run takes several seconds), then resumed
"$HDSIM" run long.ini -o r.h5 --quiet --threads 2 & pid=$!
sleep 0.4; kill -INT $pid; wait $pid; rc=$?
check "SIGINT: exit 4" test "$rc" -eq 4
check "SIGINT: nothing under the final name" test ! -e r.h5
check "SIGINT: partial file written" test -f r.h5.partial
check "SIGINT: status interrupted" test "$(attr r.h5.partial /status)" = interrupted
check "SIGINT: no temporary left" bash -c '! ls | grep -q tmp'
done_runs=$(h5dump -a /simulation/completed_runs r.h5.partial | grep -o '([0-9]*): [0-9]*' | awk '{print $2}')
check "SIGINT: some but not all runs kept ($done_runs of 40)" test "${done_runs:-0}" -lt 40
"$HDSIM" run long.ini -o r.h5 --quiet --threads 1 --resume; rc=$?
check "resume: exit 0" test "$rc" -eq 0
check "resume: partial removed" test ! -e r.h5.partial
check "resume: /simulation identical to the uninterrupted run" h5diff -q full.h5 r.h5 /simulation /simulation
check "resume: /theory identical" h5diff -q full.h5 r.h5 /theory /theory
check "resume: status complete" test "$(attr r.h5 /status)" = complete

# SIGTERM with --keep-partial: the interrupted file takes the final name
"$HDSIM" run long.ini -o k.h5 --quiet --keep-partial & pid=$!
sleep 0.5; kill -TERM $pid; wait $pid; rc=$?
check "SIGTERM --keep-partial: exit 4" test "$rc" -eq 4
check "SIGTERM --keep-partial: final name, status interrupted" test "$(attr k.h5 /status)" = interrupted
"$HDSIM" run long.ini -o k.h5 --quiet --resume; rc=$?
check "resume from the final name: exit 0, identical" bash -c "[ $rc -eq 0 ] && h5diff -q full.h5 k.h5 /simulation /simulation"

# resume refuses a file from another model
sed 's/seed = 4/seed = 5/' long.ini >other.ini
"$HDSIM" run other.ini -o o.h5 --quiet & pid=$!
sleep 0.3; kill -INT $pid; wait $pid
"$HDSIM" run long.ini -o o.h5 --quiet --resume 2>err.txt; rc=$?
check "resume with another model text: exit 2" test "$rc" -eq 2
check "resume with another seed: names the seed" grep -q 'changed: seed 5 -> 4' err.txt
"$HDSIM" run long.ini -o none.h5 --quiet --resume 2>err.txt; rc=$?
check "resume with nothing to resume: exit 2" bash -c "[ $rc -eq 2 ] && grep -q 'no interrupted run' err.txt"
finish
