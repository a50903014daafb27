#!/usr/bin/env bash
# --threads N is a promise: at most N busy threads in every phase.  The default is the
# cores available to the process (its affinity mask), not the machine's count; a run
# whose theory uses OpenMP (d large enough for the parallel passes) or
# whose simulation runs in threads starts no thread under --threads 1 (counted with
# strace).
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
small="$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini"
check "affinity of one core: 1 thread by default" exit_is 0 taskset -c 0 "$HDSIM" run "$small" -o a.h5
check "  the summary says so"     grep -q '(1 thread)' "$tmp/stdout"
check "  and the file"            bash -c "h5dump -a /diagnostics/simulation_threads a.h5 | grep -q '(0): 1$'"
if [ "$(nproc)" -ge 2 ]; then
  check "two cores: 2 threads by default" exit_is 0 taskset -c 0,1 "$HDSIM" run "$small" -o b.h5
  check "  the summary says so"   grep -q '(2 threads)' "$tmp/stdout"
fi
# Threads started by a run (clone/clone3 under strace).  OPENBLAS_NUM_THREADS=1 keeps
# OpenBLAS's idle pool, started when the library loads, out of the count: what is left
# is what hdsim starts itself, OpenMP teams and OpenBLAS threads included.
# LeakSanitizer cannot run under ptrace: in the sanitizer build the traced runs skip
# only the leak check (the rest of the suite keeps it).
clones() {
  ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" OPENBLAS_NUM_THREADS=1 strace -f -qq -e trace=clone,clone3 -o "$tmp/clones" "$@" >/dev/null 2>&1 || return 1
  grep -c 'clone' "$tmp/clones"
}
# a theory whose vector passes are long enough for OpenMP (d = 40000), no simulation
sed -e 's/^d = .*/d = 40000/' -e 's/^runs = .*/runs = 4\nenabled = false/' "$small" >theory.ini
n=$(clones "$HDSIM" run theory.ini -o t1.h5 --threads 1 --quiet)
check "--threads 1, OpenMP theory: no thread started (${n:-failed})" test "${n:-1}" -eq 0
n=$(clones "$HDSIM" run "$small" -o s1.h5 --threads 1 --quiet)
check "--threads 1, simulation: no thread started (${n:-failed})" test "${n:-1}" -eq 0
if [ "$(nproc)" -ge 2 ]; then
  n=$(clones "$HDSIM" run theory.ini -o t2.h5 --threads 2 --quiet)
  check "--threads 2: threads are started, so the count sees them (${n:-failed})" test "${n:-0}" -ge 1
  check "  one besides the caller (OpenMP team of 2; BLAS on one thread: ${n:-failed} started)" test "${n:-9}" -le 1
  check "--threads 1 and 2: the same theory, bit for bit" h5diff -q t1.h5 t2.h5 /theory /theory
fi
finish
