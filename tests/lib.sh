# lib.sh — helpers the shell tests share (sourced).  Each test prints ok/FAIL lines and
# ends with "N passed, M failed".
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# check NAME COMMAND...: runs the command, counts it
check() {
  local name=$1; shift
  if "$@"; then echo "ok   $name"; pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi
}
# exit_is CODE COMMAND...: the command exits with CODE (its output in $tmp/stdout, stderr)
exit_is() {
  local want=$1; shift
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"; local rc=$?
  [ "$rc" -eq "$want" ] || { echo "  exit $rc, wanted $want: $*"; cat "$tmp/stderr"; return 1; }
}
# attr FILE /PATH: a string attribute's value
attr() { h5dump -a "$2" "$1" 2>/dev/null | grep -o '"[^"]*"' | tail -1 | tr -d '"'; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
# set_key FILE SECTION KEY VALUE: the model file with the key replaced, or added (to its
# section, or a new section at the end), on standard output
set_key() {
  awk -v s="$2" -v k="$3" -v v="$4" '
    function flush() { if (insec && !done) { print k " = " v; done = 1 } }
    /^\[/ { flush(); insec = ($0 == "[" s "]") }
    insec && $0 ~ "^" k "[ \t]*=" { print k " = " v; done = 1; next }
    { print }
    END { flush(); if (!done) { print "[" s "]"; print k " = " v } }' "$1"
}
