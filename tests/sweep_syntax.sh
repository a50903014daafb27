#!/usr/bin/env bash
# [sweep] values as ranges (log, linear, mixed with lists, integer keys rounded), zip for
# keys that vary together, and "did you mean" for a mistyped key or section.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
sed -e 's/^runs = .*/runs = 2/' -e 's/^d = .*/d = 100/' "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" >base.ini
sweep() { { cat base.ini; printf '[sweep]\n'; printf '%s\n' "$@"; } >sw.ini; }
# swept NAME KEY: the /sweep table of KEY in NAME.h5, values comma-separated
swept() {
  h5dump -d "/sweep/$2" "$1.h5" | awk '/^   DATA \{/ { on = 1; next } on && /^   \}/ { exit } on' |
    sed 's/^ *([0-9]*): //' | tr -d ' \n'
}

sweep 'optimizer.lr = log(0.1, 1.6, 5)'
check "log range runs"            exit_is 0 "$HDSIM" run sw.ini -o log.h5 --quiet
check "  five log-spaced values"  test "$(swept log optimizer.lr)" = "0.1,0.2,0.4,0.8,1.6"
sweep 'optimizer.lr = linear(0.2, 0.8, 4), 1.5'
check "linear range and a value"  exit_is 0 "$HDSIM" run sw.ini -o lin.h5 --quiet
check "  values"                  test "$(swept lin optimizer.lr)" = "0.2,0.4,0.6,0.8,1.5"
sweep 'data.d = log(100, 1000, 3)'
check "integer key: rounded"      exit_is 0 "$HDSIM" check sw.ini
sweep 'data.d = log(100, 1000, 3)' 'optimizer.lr = 0.2, 0.4, 0.8' 'zip = data.d, optimizer.lr'
check "zip runs"                  exit_is 0 "$HDSIM" run sw.ini -o zip.h5 --quiet
check "  3 points, not 9"         bash -c 'h5dump -a /sweep/n_points zip.h5 | grep -q "(0): 3"'
check "  d rounded and zipped"    test "$(swept zip data.d)" = "100,316,1000"
check "  lr alongside"            test "$(swept zip optimizer.lr)" = "0.2,0.4,0.8"
sweep 'data.d = 100, 200' 'optimizer.lr = 0.2, 0.4, 0.8' 'zip = data.d, optimizer.lr'
check "zip of unequal lengths: exit 2" exit_is 2 "$HDSIM" check sw.ini
check "  names both counts"       grep -q 'zip: zipped keys need equal numbers of values: data.d has 2, optimizer.lr has 3' "$tmp/stderr"
sweep 'data.d = 100, 200' 'zip = data.d, optimizer.lrr'
check "zip of an unswept key"     exit_is 2 "$HDSIM" check sw.ini
check "  did you mean"            grep -q "'optimizer.lrr' is not a swept key of this \[sweep\]" "$tmp/stderr"
sweep 'optimizer.lrr = 0.1, 0.2'
check "mistyped key: exit 2"      exit_is 2 "$HDSIM" check sw.ini
check "  did you mean optimizer.lr" grep -q "sw.ini:[0-9]*: \[sweep\] optimizer.lrr: no key \[optimizer\] lrr to sweep; did you mean 'optimizer.lr'?" "$tmp/stderr"
sweep 'optimiser.lr = 0.1, 0.2'
check "mistyped section"          exit_is 2 "$HDSIM" check sw.ini
check "  did you mean optimizer.lr" grep -q "did you mean 'optimizer.lr'?" "$tmp/stderr"
sweep 'data.label_noice = 0, 1'
check "near key in its section"   exit_is 2 "$HDSIM" check sw.ini
check "  did you mean data.label_noise" grep -q "did you mean 'data.label_noise'?" "$tmp/stderr"
sweep 'optimizer.lr = log(0.1, 1, 1)'
check "a range of one point"      exit_is 2 "$HDSIM" check sw.ini
check "  says n"                  grep -q 'n must be a whole number from 2 to' "$tmp/stderr"
sweep 'optimizer.lr = log(0, 1, 3)'
check "log from 0"                exit_is 2 "$HDSIM" check sw.ini
check "  says > 0"                grep -q 'needs a != b, both > 0' "$tmp/stderr"
sweep 'data.d = linear(100, 101, 5)'
check "integer range repeating"   exit_is 2 "$HDSIM" check sw.ini
check "  says so"                 grep -q 'repeats the whole number' "$tmp/stderr"
sweep 'data.spectrum = log(1, 2, 3)'
check "range of a non-numeric key" exit_is 2 "$HDSIM" check sw.ini
check "  says so"                 grep -q 'this key is not numeric' "$tmp/stderr"
finish
