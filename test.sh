#!/usr/bin/env bash
# Builds hdsim and runs every test (meson test).  With --sanitize, the same suite in a
# separate AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/).
# Ends with one line "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"
dir=build
opts=(--buildtype=release)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  opts=(--buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true -Dmpi=disabled)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fi
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "${opts[@]}" || exit 1
fi
ninja -C "$dir" || exit 1
# Under the sanitizers the statistical tests at large d and the Python side add run time,
# not coverage; the boundary sweep (crashes, hangs) runs there only.
suites=(--no-suite sanitize)
[ "$dir" = build-asan ] && suites=(--no-suite slow --no-suite python)
meson test -C "$dir" --print-errorlogs --num-processes 2 "${suites[@]}" 
rc=$?
# meson's own summary is not a format CI reads: restate it in the plain one.
log="$dir/meson-logs/testlog.json"
if [ -f "$log" ]; then
  pass=$(grep -c '"result": "OK"' "$log" || true)
  fail=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  echo "tests: $pass passed, $fail failed"
fi
exit $rc
