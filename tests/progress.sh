#!/usr/bin/env bash
# Progress on standard error: the theory phase by t against the horizon, the simulation
# by steps done across runs (with one run, 1/3 of the steps shows as 33 %, which a count
# of finished runs could never show), an ETA; silent when standard error is not a
# terminal or with --quiet; on a terminal (a pty from script(1)) without forcing.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
sed -e 's/^runs = .*/runs = 1/' -e 's/^d = .*/d = 200/' -e 's/^times = .*/times = linear(0, 3, 4)/' \
  "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" >m.ini
# the line is rewritten with \r: one line per update for grep
lines() { tr '\r' '\n' <"$tmp/stderr"; }
check "forced progress"           exit_is 0 env HDSIM_PROGRESS=1 "$HDSIM" run m.ini -o a.h5 --threads 1
check "  theory by t"             bash -c "tr '\r' '\n' <'$tmp/stderr' | grep -q '^theory:  33% (t = 1 of 3)'"
check "  simulation by steps"     bash -c "tr '\r' '\n' <'$tmp/stderr' | grep -q '^simulation:  33% (200 of 600 steps)'"
check "  an ETA"                  bash -c "tr '\r' '\n' <'$tmp/stderr' | grep -q '^simulation: .*, ETA '"
check "  each phase ends its line" bash -c "grep -c 'done in' '$tmp/stderr' | grep -qx 2"
check "not a terminal: silent"    exit_is 0 "$HDSIM" run m.ini -o b.h5 --threads 1
check "  nothing on stderr"       test ! -s "$tmp/stderr"
check "--quiet wins over HDSIM_PROGRESS=1" exit_is 0 env HDSIM_PROGRESS=1 "$HDSIM" run m.ini -o c.h5 --quiet
check "  nothing on stderr"       test ! -s "$tmp/stderr"
check "a terminal: progress"      exit_is 0 script -qec "\"$HDSIM\" run m.ini -o d.h5 --threads 1" /dev/null
check "  seen on the pty"         grep -q 'simulation: .*steps' "$tmp/stdout"
check "HDSIM_PROGRESS=0 on a terminal: silent" exit_is 0 script -qec "HDSIM_PROGRESS=0 \"$HDSIM\" run m.ini -o e.h5" /dev/null
check "  nothing"                 bash -c "! grep -q 'simulation:' '$tmp/stdout'"
check "results do not depend on progress" h5diff -q a.h5 b.h5 /simulation /simulation
finish
