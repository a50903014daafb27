#!/usr/bin/env bash
# [data] d defaults from the spectrum file's length when spectrum = file and d is not
# written; a written d that disagrees with the file is an error naming both.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
awk 'BEGIN { for (i = 1; i <= 150; i++) printf "%.6f\n", 0.5 + i / 150 }' >spec.txt
sed -e '/^d = /d' -e 's/^spectrum = .*/spectrum = file\nspectrum_file = spec.txt/' -e '/^alpha/d' \
    -e 's/^runs = .*/runs = 2/' "$HDSIM_SOURCE_ROOT/tests/models/small_powerlaw.ini" >nod.ini
check "no d, spectrum file: valid"  exit_is 0 "$HDSIM" check nod.ini
check "runs"                        exit_is 0 "$HDSIM" run nod.ini -o nod.h5 --quiet
check "  d = 150 stored"            bash -c 'h5dump -a "/parameters/data.d" nod.h5 | grep -q "(0): 150"'
sed 's/^\[data\]/[data]\nd = 150/' nod.ini >d150.ini
check "  same as d = 150 written"   bash -c "\"$HDSIM\" run d150.ini -o d150.h5 --quiet && h5diff -q nod.h5 d150.h5 /simulation /simulation && h5diff -q nod.h5 d150.h5 /theory /theory"
sed 's/^\[data\]/[data]\nd = 200/' nod.ini >d200.ini
check "conflicting d: exit 2"       exit_is 2 "$HDSIM" check d200.ini
check "  names both"                grep -q "spec.txt' has 150 eigenvalues but d = 200" "$tmp/stderr"
sed -e 's/^spectrum = file/spectrum = power_law\nalpha = 1.5/' -e '/^spectrum_file/d' nod.ini >nofile.ini
check "no d, no file: d still required" exit_is 2 "$HDSIM" check nofile.ini
check "  says d is missing"         grep -q '\[data\] d' "$tmp/stderr"
finish
