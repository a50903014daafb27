#!/usr/bin/env bash
# mpirun -np 2 hdsim-mpi: runs split over two ranks give datasets bit-identical to one
# process (a plain run, and a sweep).
set -u
: "${HDSIM:?}" "${HDSIM_MPI:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
mpi=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -eq 0 ] && mpi=(mpirun --allow-run-as-root --oversubscribe -np 2)
export OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent=false
sed -e 's/^seed = 9/seed = 21/' -e 's/^runs = 6/runs = 7/' "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" >m.ini
"$HDSIM" run m.ini -o one.h5 --quiet --threads 1
"${mpi[@]}" "$HDSIM_MPI" run m.ini -o two.h5 --quiet --threads 1 >out.txt 2>&1; rc=$?
cat out.txt
check "mpirun -np 2: exit 0" test "$rc" -eq 0
check "2 ranks: /simulation bit-identical to one process" h5diff -q one.h5 two.h5 /simulation /simulation
check "2 ranks: /theory identical" h5diff -q one.h5 two.h5 /theory /theory
check "2 ranks: /compare identical" h5diff -q one.h5 two.h5 /compare /compare
printf '[sweep]\noptimizer.lr = 0.4, 0.8\n' >>m.ini
"$HDSIM" run m.ini -o sw1.h5 --quiet --threads 1
"${mpi[@]}" "$HDSIM_MPI" run m.ini -o sw2.h5 --quiet --threads 2 >out.txt 2>&1; rc=$?
check "sweep under mpirun: exit 0" test "$rc" -eq 0
check "sweep: every point bit-identical" bash -c 'for p in 0 1; do h5diff -q sw1.h5 sw2.h5 /points/$p/simulation /points/$p/simulation || exit 1; done'

# Ranks that disagree stop together, with a message and no output: a different model
# file, a different seed, or a model one rank cannot open (that rank must not leave the
# others waiting).  timeout turns a hang into a failure.
one=(mpirun); [ "$(id -u)" -eq 0 ] && one=(mpirun --allow-run-as-root)
sed -e 's/^lr = .*/lr = 0.3/' m.ini | grep -v '^\[sweep\]' | grep -v '^optimizer.lr' >other.ini
grep -v '^\[sweep\]' m.ini | grep -v '^optimizer.lr' >plain.ini
mpmd() { timeout 120 "${one[@]}" --oversubscribe -np 1 "$HDSIM_MPI" "$@" >out.txt 2>&1; }
mpmd run plain.ini -o bad1.h5 --quiet : -np 1 "$HDSIM_MPI" run other.ini -o bad1.h5 --quiet; rc=$?
check "ranks on different models: refused (exit 2, not a hang: $rc)" test "$rc" -eq 2
check "ranks on different models: no output" test ! -e bad1.h5
check "ranks on different models: says why" grep -qi "rank" out.txt
mpmd run plain.ini -o bad2.h5 --quiet --seed 1 : -np 1 "$HDSIM_MPI" run plain.ini -o bad2.h5 --quiet --seed 2; rc=$?
check "ranks with different seeds: refused (exit 2: $rc)" test "$rc" -eq 2
check "ranks with different seeds: no output" test ! -e bad2.h5
mpmd run plain.ini -o bad3.h5 --quiet : -np 1 "$HDSIM_MPI" run missing.ini -o bad3.h5 --quiet; rc=$?
check "a rank that cannot open its model stops every rank (exit 2, no hang: $rc)" test "$rc" -eq 2
check "unopenable model: no output" test ! -e bad3.h5
finish
