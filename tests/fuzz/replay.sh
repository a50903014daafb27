#!/usr/bin/env bash
# Replays every input we have through the model-file fuzz target.
set -u
: "${HDSIM_FUZZ_REPLAY:?}" "${HDSIM_SOURCE_ROOT:?}"
root=$HDSIM_SOURCE_ROOT
shopt -s nullglob
inputs=("$root"/tests/fuzz/corpus/* "$root"/tests/fuzz/regressions/* "$root"/models/*.ini "$root"/tests/bad_models/*.ini)
[ ${#inputs[@]} -gt 0 ] || { echo "no inputs"; exit 1; }
exec "$HDSIM_FUZZ_REPLAY" "${inputs[@]}"
