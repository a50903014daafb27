#!/usr/bin/env bash
# End-to-end checks of the hdsim command line: commands, exit codes, output paths,
# bit-identical results for 1 and 2 threads, divergence recorded in the file.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"

check "--version"        exit_is 0 "$HDSIM" --version
check "version text"     grep -q '^hdsim [0-9]' "$tmp/stdout"
check "help"             exit_is 0 "$HDSIM" help
check "help text"        grep -q 'hdsim run MODEL.ini' "$tmp/stdout"
check "list"             exit_is 0 "$HDSIM" list
check "list has lsq"     grep -q '^streaming_lsq' "$tmp/stdout"
check "describe"         exit_is 0 "$HDSIM" describe streaming_lsq
check "describe keys"    grep -q 'lr' "$tmp/stdout"
check "describe ranges"  grep -q 'required' "$tmp/stdout"
check "describe engine"  grep -q 'horizon' "$tmp/stdout"
check "describe unknown" exit_is 2 "$HDSIM" describe nope
check "unknown command"  exit_is 1 "$HDSIM" frobnicate
check "run without file" exit_is 2 "$HDSIM" run
check "bad --threads"    exit_is 2 "$HDSIM" run "$HDSIM_SOURCE_ROOT/models/default.ini" --threads x
for m in "$HDSIM_SOURCE_ROOT"/models/*.ini; do
  check "check $(basename "$m")" exit_is 0 "$HDSIM" check "$m"
done

cp "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" "$tmp/small.ini"
cd "$tmp" || exit 1
check "run, default path" exit_is 0 "$HDSIM" run small.ini --quiet
check "default path is out/small.h5" test -f out/small.h5
check "no temporary left" bash -c '! ls out | grep -q tmp'
check "threads 1"  exit_is 0 "$HDSIM" run small.ini -o t1.h5 --threads 1 --quiet
check "threads 2"  exit_is 0 "$HDSIM" run small.ini -o t2.h5 --threads 2 --quiet
check "same seed, 1 vs 2 threads: /simulation identical" h5diff -q t1.h5 t2.h5 /simulation /simulation
check "same seed, 1 vs 2 threads: /theory identical" h5diff -q t1.h5 t2.h5 /theory /theory
check "seed override" exit_is 0 "$HDSIM" run small.ini -o s2.h5 --seed 10 --quiet
check "another seed differs" bash -c '! h5diff -q t1.h5 s2.h5 /simulation/risk/runs /simulation/risk/runs'
check "layout" bash -c 'h5ls -r t1.h5 | grep -q "^/simulation/risk/stderr" && h5ls -r t1.h5 | grep -q "^/compare/risk/rel" && h5ls -r t1.h5 | grep -q "^/theory/risk" && h5ls -r t1.h5 | grep -q "^/diagnostics"'
check "model text stored" bash -c 'h5dump -a /model_text t1.h5 | grep -q "lr = 0.8"'
check "resolved default stored" bash -c 'h5dump -a "/parameters/data.target" t1.h5 | grep -q random'
check "status complete" test "$(attr t1.h5 /status)" = complete
check "CVODE used the O(d) Woodbury solver" bash -c 'h5dump -a /diagnostics/cvode_linear_solver t1.h5 | grep -q woodbury'

sed -e 's/lr = 0.8/lr = 5/' -e 's/spectrum = power_law/spectrum = isotropic/' small.ini >div.ini
check "diverging SGD exits 3" exit_is 3 "$HDSIM" run div.ini -o div.h5 --quiet
check "divergence reported with time" grep -q 'runs diverged (first: run [0-9]* at t = ' "$tmp/stderr"
check "divergence file written" test -f div.h5
check "status diverged" test "$(attr div.h5 /status)" = diverged
check "divergence events stored" bash -c 'h5dump -d /diagnostics/diverged_runs div.h5 | grep -q "DATASPACE  SIMPLE { ( 6 )"'
check "output dir missing: exit 2" exit_is 2 "$HDSIM" run small.ini -o nodir/x.h5 --quiet
check "output dir missing: nothing written" test ! -e nodir
printf '[theory]\nmax_steps = 3\n' | cat small.ini - >cvfail.ini
check "CVODE failure exits 3" exit_is 3 "$HDSIM" run cvfail.ini -o cvfail.h5 --quiet
check "CVODE failure reported with time and problem" grep -q 'theory failed (problem streaming_lsq, d = 300): CVODE failed at t = ' "$tmp/stderr"
check "CVODE failure: status theory_failed" test "$(attr cvfail.h5 /status)" = theory_failed
check "CVODE failure stored in /diagnostics" bash -c 'h5dump -a /diagnostics/theory_message cvfail.h5 | grep -q CV_TOO_MUCH_WORK'
check "CVODE failure: simulation still complete" bash -c 'h5dump -a /simulation/completed_runs cvfail.h5 | grep -q "(0): 6"'
sed 's/^times = .*/times = log(0.01, 3, 12)\nfile = \/nonexistent-dir\/x.h5/' small.ini >unwritable.ini
check "unwritable [output] file: exit 2" exit_is 2 "$HDSIM" run unwritable.ini --quiet
check "unwritable [output] file: names file, line and key" grep -q 'unwritable.ini:[0-9]*: \[output\] file: cannot write output file' "$tmp/stderr"
check "--resume is not a check option" exit_is 2 "$HDSIM" check small.ini --resume
check "validate: needs two sizes" exit_is 2 "$HDSIM" validate small.ini --dims 300
check "validate: bad --dims" exit_is 2 "$HDSIM" validate small.ini --dims 300,abc
check "validate: --runs count must match" exit_is 2 "$HDSIM" validate small.ini --dims 100,200,400 --runs 4
check "validate: unknown observable" exit_is 2 "$HDSIM" validate small.ini --dims 100,200,400 --observable nope
check "validate: names the observables" grep -q 'risk, distance' "$tmp/stderr"
check "validate: small ladder runs" exit_is 0 "$HDSIM" validate small.ini --dims 100,200,400 --runs 8,8,8 -o lad.h5 --quiet
check "validate: ladder layout" bash -c 'h5ls -r lad.h5 | grep -q "^/ladder/statistic" && h5dump -a /fit/slope lad.h5 >/dev/null && h5ls -r lad.h5 | grep -q "^/rungs/2/theory"'
finish
