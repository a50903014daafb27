#!/usr/bin/env bash
# The command line as a Unix user expects it: --help for every command (options with
# defaults), -V, "did you mean" for options and commands, exit codes, '-' for standard
# input, -o - refused with the reason, shipped models found by name, describe narrowed
# to keys, whole numbers written as 1e3 or 2^10, singular/plural in the summary.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"

check "-V"                    exit_is 0 "$HDSIM" -V
check "-V prints the version" grep -q '^hdsim [0-9]' "$tmp/stdout"
check "-h"                    exit_is 0 "$HDSIM" -h
check "-h lists commands"     grep -q 'hdsim describe PROBLEM' "$tmp/stdout"
check "no command: exit 1"    exit_is 1 "$HDSIM"
for c in run check validate list describe export; do
  check "$c --help: exit 0"        exit_is 0 "$HDSIM" "$c" --help
  check "$c --help: usage line"    grep -q "^usage: hdsim $c" "$tmp/stdout"
  check "$c -h: same text"         bash -c "\"$HDSIM\" $c -h | cmp -s - \"$tmp/stdout\""
  check "help $c: same text"       bash -c "\"$HDSIM\" help $c | cmp -s - \"$tmp/stdout\""
done
check "run --help lists --threads with its default" exit_is 0 "$HDSIM" run --help
check "  --threads"               grep -q -- '--threads N' "$tmp/stdout"
check "  a default"               grep -q '(default: \[simulation\] threads' "$tmp/stdout"
check "  standard input stated"   grep -q "'-' for standard" "$tmp/stdout"
check "help of an unknown command: exit 1" exit_is 1 "$HDSIM" help frobnicate
check "unknown option: exit 2"    exit_is 2 "$HDSIM" run --thraeds 2 x.ini
check "  did you mean --threads"  grep -q "unknown option '--thraeds'; did you mean '--threads'?" "$tmp/stderr"
check "  points to --help"        grep -q "Try 'hdsim run --help'" "$tmp/stderr"
check "unknown short option"      exit_is 2 "$HDSIM" check -x x.ini
check "  named"                   grep -q "unknown option '-x'" "$tmp/stderr"
check "a flag given a value"      exit_is 2 "$HDSIM" run --quiet=1 x.ini
check "  says so"                 grep -q "option '--quiet' takes no value" "$tmp/stderr"
check "a value missing"           exit_is 2 "$HDSIM" run x.ini -o
check "  names the value"         grep -q "option '-o' needs a value (FILE)" "$tmp/stderr"
check "unknown command: exit 1"   exit_is 1 "$HDSIM" rnu
check "  did you mean run"        grep -q "unknown command 'rnu'; did you mean 'run'?" "$tmp/stderr"
check "unknown global option"     exit_is 1 "$HDSIM" --verison
check "  did you mean --version"  grep -q "did you mean '--version'" "$tmp/stderr"
check "list --models needs no argument" exit_is 2 "$HDSIM" list extra
check "describe: unknown problem, did you mean" exit_is 2 "$HDSIM" describe streming_lsq
check "  names streaming_lsq"     grep -q "did you mean 'streaming_lsq'" "$tmp/stderr"
check "describe PROBLEM KEY"      exit_is 0 "$HDSIM" describe streaming_lsq optimizer.lr
check "  only that key"           test "$(grep -c '^\[' "$tmp/stdout")" -eq 1
check "describe a mistyped key"   exit_is 2 "$HDSIM" describe streaming_lsq optimizer.lrr
check "  did you mean"            grep -q "did you mean 'optimizer.lr'" "$tmp/stderr"
check "describe documents [sweep]" exit_is 0 "$HDSIM" describe streaming_lsq
check "  zip"                     grep -q '^\[sweep\] zip' "$tmp/stdout"
check "describe engine"           exit_is 0 "$HDSIM" describe engine
check "  engine sections"         bash -c "grep -q '^\[simulation\] threads' '$tmp/stdout' && grep -q '^\[theory\] rtol' '$tmp/stdout'"

cp "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" "$tmp/small.ini"
cd "$tmp" || exit 1
sed -i -e 's/^runs = .*/runs = 1/' -e 's/^d = .*/d = 100/' small.ini
check "-o - refused: exit 2"      exit_is 2 "$HDSIM" run small.ini -o -
check "  with the reason"         grep -q 'HDF5 needs a seekable file' "$tmp/stderr"
check "  nothing written"         test ! -e ./- -a ! -e out
printf '[output]\nfile = -\n' | sed '/^\[output\]/d' small.ini - | sed 's/^times/[output]\ntimes/' >dash.ini
check "[output] file = - refused" exit_is 2 "$HDSIM" run dash.ini
check "  with the reason"         grep -q 'file: cannot write to standard output' "$tmp/stderr"
check "check - reads standard input" exit_is 0 "$HDSIM" check - <small.ini
check "  named <stdin>"           grep -q '^<stdin>: ok' "$tmp/stdout"
check "run - writes out/stdin.h5" exit_is 0 "$HDSIM" run - --quiet <small.ini
check "  the file"                test -f out/stdin.h5
check "  the same result as the file" bash -c "\"$HDSIM\" run small.ini -o f.h5 --quiet && h5diff -q f.h5 out/stdin.h5 /simulation /simulation"
check "a sweep from standard input" exit_is 0 bash -c "{ cat small.ini; printf '[sweep]\\noptimizer.lr = 0.4, 0.8\\n'; } | \"$HDSIM\" run - -o sw.h5 --quiet"
check "  both points"             bash -c 'h5dump -a /sweep/n_points sw.h5 | grep -q "(0): 2"'
printf '[model]\nproblem = nope\n' >bad.ini
check "bad model on stdin: exit 2" exit_is 2 "$HDSIM" check - <bad.ini
check "  names <stdin> and the line" grep -q '^<stdin>:2: \[model\] problem' "$tmp/stderr"
check "--seed 1e3 is a whole number" exit_is 0 "$HDSIM" run small.ini -o e3.h5 --seed 1e3 --quiet
check "  same as --seed 1000"     bash -c "\"$HDSIM\" run small.ini -o s1000.h5 --seed 1000 --quiet && h5diff -q e3.h5 s1000.h5 /simulation /simulation"
check "--threads 2^0"             exit_is 0 "$HDSIM" check small.ini --threads '2^0'
check "--seed 1.5 refused"        exit_is 2 "$HDSIM" check small.ini --seed 1.5
check "1 run, 1 thread: singular" exit_is 0 "$HDSIM" run small.ini -o one.h5 --threads 1
check "  (1 run ... 1 thread)"    grep -q 'simulation 1 run in .* (1 thread)' "$tmp/stdout"

# a shipped model by name, from the data directory (HDSIM_DATADIR overrides the
# installed one; tests/install.sh checks the installed default)
export HDSIM_DATADIR="$HDSIM_SOURCE_ROOT"
check "check a shipped model by name" exit_is 0 "$HDSIM" check lsq_powerlaw
check "  found in models/"       grep -q "models/lsq_powerlaw.ini: ok" "$tmp/stdout"
check "a file here wins over the shipped model" bash -c "cp small.ini lsq_powerlaw && \"$HDSIM\" check lsq_powerlaw | grep -q '^lsq_powerlaw: ok' && rm lsq_powerlaw"
check "an unknown name is a missing file" exit_is 2 "$HDSIM" check no_such_model
check "  under the name typed"   grep -q '^no_such_model: cannot open model file' "$tmp/stderr"
check "list --models"            exit_is 0 "$HDSIM" list --models
check "  lists lsq_powerlaw"     grep -q '^  lsq_powerlaw ' "$tmp/stdout"
finish
