#!/usr/bin/env bash
# bad_models.sh — every malformed model file is rejected cleanly.
#
# Table-driven: each row of bad_models/expected.tsv (file, line, expected substring) is
# run through both `hdsim check FILE` and `hdsim run FILE -o OUT --quiet`.  Each must
#   - exit with status 2 (bad input),
#   - print the expected message on stderr, naming the file and, where the error has a
#     line, "FILE:LINE:",
#   - write nothing: no OUT and no other file in its working directory.
# Commands run inside an empty scratch directory so that a stray relative output
# (e.g. the model's own `file = out.h5`) is caught too.
#
# Environment: HDSIM (the binary), HDSIM_SOURCE_ROOT (the repository root).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${HDSIM_SOURCE_ROOT:-$(cd "$here/.." && pwd)}
models=$root/tests/bad_models
table=$models/expected.tsv
hdsim=${HDSIM:-}

if [[ -z $hdsim || ! -x $hdsim ]]; then
  echo "FAIL setup: HDSIM='$hdsim' is not an executable"
  echo "0 passed, 1 failed"
  exit 1
fi
if [[ ! -r $table ]]; then
  echo "FAIL setup: cannot read $table"
  echo "0 passed, 1 failed"
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hdsim_bad_models.XXXXXX") || exit 1
trap 'rm -rf -- "$work"' EXIT
scratch=$work/cwd   # the command's working directory; must stay empty
mkdir -- "$scratch"
errlog=$work/stderr

# Guard against a hang in the binary (a bad model must fail fast).
limit=()
if command -v timeout >/dev/null 2>&1; then limit=(timeout 120); fi

passed=0
failed=0

# check_case LABEL FILE LINE EXPECTED COMMAND...
check_case() {
  local label=$1 file=$2 line=$3 expected=$4
  shift 4
  local rc why=""
  (cd -- "$scratch" && "${limit[@]}" "$@" </dev/null >/dev/null 2>"$errlog")
  rc=$?
  local err
  err=$(cat -- "$errlog")

  if [[ $rc -eq 124 && ${#limit[@]} -gt 0 ]]; then
    why="timed out"
  elif [[ $rc -ne 2 ]]; then
    why="exit status $rc, expected 2"
  elif [[ $err != *"$expected"* ]]; then
    why="stderr lacks \"$expected\""
  elif [[ $err != *"$file"* ]]; then
    why="stderr does not name $file"
  elif [[ $line != "-" && $err != *"$file:$line:"* ]]; then
    why="stderr lacks \"$file:$line:\""
  elif [[ $err == *Sanitizer* || $err == *"runtime error:"* ]]; then
    why="sanitizer report on stderr"
  elif [[ -n $(ls -A -- "$scratch") ]]; then
    why="left files behind: $(ls -A -- "$scratch" | tr '\n' ' ')"
  fi

  if [[ -z $why ]]; then
    echo "ok $label"
    passed=$((passed + 1))
  else
    echo "FAIL $label: $why"
    if [[ -n $err ]]; then printf '    | %s\n' "${err//$'\n'/$'\n'    | }"; fi
    failed=$((failed + 1))
  fi
  # Start the next case from an empty directory whatever happened.
  find "$scratch" -mindepth 1 -delete
}

rows=0
while IFS=$'\t' read -r name line expected || [[ -n ${name:-} ]]; do
  [[ -z $name || $name == \#* ]] && continue
  rows=$((rows + 1))
  if [[ -z ${line:-} || -z ${expected:-} ]]; then
    echo "FAIL table: malformed row for '$name'"
    failed=$((failed + 1))
    continue
  fi
  file=$models/$name
  check_case "check $name" "$file" "$line" "$expected" "$hdsim" check "$file"
  check_case "run $name" "$file" "$line" "$expected" \
    "$hdsim" run "$file" -o "$scratch/out.h5" --quiet
done <"$table"

if [[ $rows -eq 0 ]]; then
  echo "FAIL table: no cases in $table"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
