#!/usr/bin/env bash
# Fuzzes the model-file layer (parse, bind, unknown keys, validation) with libFuzzer
# under ASan + UBSan for a fixed budget.
#   validation/fuzz.sh [SECONDS]      default 600; CI runs a short smoke (30 s)
# A crash is written to tests/fuzz/regressions/ (replayed by `meson test` from then on:
# commit it with the fix). Prints executions and crashes found.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-600}
command -v clang >/dev/null || { echo "fuzz.sh needs clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev)"; exit 1; }
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dmpi=disabled >/dev/null
fi
ninja -C build-fuzz tests/fuzz_model >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" tests/fuzz/regressions
cp tests/fuzz/corpus/* models/*.ini tests/bad_models/*.ini "$work/corpus/" 2>/dev/null || true
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
set +e
./build-fuzz/tests/fuzz_model "$work/corpus" -max_total_time="$budget" -max_len=4096 \
  -artifact_prefix=tests/fuzz/regressions/ -print_final_stats=1 >"$work/log" 2>&1
rc=$?
set -e
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo 0)
crashes=$(ls tests/fuzz/regressions/ 2>/dev/null | grep -c -E '^(crash|leak|timeout|oom)-' || true)
echo "fuzz: ${budget}s, ${execs} executions, corpus $(ls "$work/corpus" | wc -l) inputs, exit $rc"
if [ "$rc" -ne 0 ]; then
  tail -40 "$work/log"
  echo "fuzz: FAILED: a crash was found; its input is in tests/fuzz/regressions/"
  exit 1
fi
echo "fuzz: no crash"
echo "fuzz: 1 passed, 0 failed"
