#!/usr/bin/env bash
# The validation report as a user sees it: validation/run_all.sh --short builds it, every
# image it references exists and opens as a non-empty picture, and every ladder passed.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}" "${HDSIM_PYTHON:?}"
. "$(dirname "$0")/lib.sh"
HDSIM=$HDSIM bash "$HDSIM_SOURCE_ROOT/validation/run_all.sh" --short --out "$tmp" >"$tmp/log" 2>&1
rc=$?
cat "$tmp/log"
check "run_all.sh --short succeeds" test "$rc" -eq 0
check "report written" test -s "$tmp/README.md"
check "a ladder table row per ladder model" test "$(grep -c '^| .*_ladder |' "$tmp/README.md")" -eq "$(ls "$HDSIM_SOURCE_ROOT"/validation/*_ladder.ini | wc -l)"
check "no FAIL in the report" bash -c "! grep -q FAIL '$tmp/README.md'"
check "every referenced image exists and opens" "$HDSIM_PYTHON" - "$tmp/README.md" <<'PY'
import os, re, sys
import matplotlib.image as mpimg
report = sys.argv[1]
images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", open(report).read())
assert images, "no images referenced"
for name in images:
    path = os.path.join(os.path.dirname(report), name)
    img = mpimg.imread(path)
    assert img.shape[0] > 200 and img.shape[1] > 200, f"{name}: {img.shape}"
    assert img[..., :3].std() > 0.01, f"{name}: blank image"
print(f"{len(images)} images open")
PY
finish
