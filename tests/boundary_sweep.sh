#!/usr/bin/env bash
# boundary_sweep.sh — every numeric key of every problem at its documented minimum and
# maximum (`hdsim describe`), and just past each, on a small model per problem
# (tests/boundary/PROBLEM.ini; the engine's keys once, on streaming_lsq).
#   inside the range: `hdsim run` must finish (exit 0 or 3), or refuse before any heavy
#     work (exit 2 with a message, nothing written; --max-memory 512M); a run still busy
#     after $BOUNDARY_SECONDS gets SIGINT and must stop cleanly within 5 s more (exit 4
#     with OUT.partial, or killed by it before any output exists), leaving no temporary
#   just past: `hdsim check` must refuse (exit 2) naming the key
# Never a signal, never a hang.  Prints: cases, completed, refused, interrupted, failures.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
base_dir="$HDSIM_SOURCE_ROOT/tests/boundary"
export HDSIM BOUNDARY_SECONDS="${BOUNDARY_SECONDS:-4}" base_dir tmp

# set_key FILE SECTION KEY VALUE: replace the key in its section, or add it (and the section)
export -f set_key

# one_case PROBLEM SECTION KEY VALUE KIND(in|out): prints "outcome problem [s] k = v (rc)"
one_case() {
  local pb=$1 sec=$2 key=$3 val=$4 kind=$5
  local dir; dir=$(mktemp -d "$tmp/case.XXXXXX")
  set_key "$base_dir/$pb.ini" "$sec" "$key" "$val" >"$dir/m.ini"
  local rc outcome
  if [ "$kind" = out ]; then
    timeout -k 3 20 "$HDSIM" check "$dir/m.ini" >"$dir/out" 2>"$dir/err"; rc=$?
    if [ $rc -eq 2 ] && grep -q "\[$sec\] $key" "$dir/err"; then outcome=refused
    else outcome=FAIL; fi
  else
    # --foreground: one SIGINT, to hdsim only (without it timeout signals the process group
    # too, and hdsim sees two: the second is a forced stop)
    timeout --foreground --preserve-status -k 5 -s INT "$BOUNDARY_SECONDS" "$HDSIM" run "$dir/m.ini" \
      -o "$dir/o.h5" --quiet --threads 1 --max-memory 512M >"$dir/out" 2>"$dir/err"; rc=$?
    local litter; litter=$(ls "$dir" | grep -c -E 'tmp|lock')
    case $rc in
      0|3) [ -f "$dir/o.h5" ] && outcome=completed || outcome=FAIL ;;
      2) [ -s "$dir/err" ] && [ ! -e "$dir/o.h5" ] && outcome=refused || outcome=FAIL ;;
      4) [ -f "$dir/o.h5.partial" ] && outcome=interrupted || outcome=FAIL ;;
      130) [ ! -e "$dir/o.h5" ] && outcome=interrupted || outcome=FAIL ;; # during a plan: nothing written
      *) outcome=FAIL ;;
    esac
    [ "$litter" -eq 0 ] || outcome=FAIL
  fi
  echo "$outcome $pb [$sec] $key = $val ($kind, exit $rc)"
  [ "$outcome" = FAIL ] && sed 's/^/    /' "$dir/err" | head -5
  rm -rf "$dir"
}
export -f one_case

# Cases from `hdsim describe`: "[sec] key  (int|real, ...)  [min, max]" with ( ) for open ends.
cases="$tmp/cases.txt"
: >"$cases"
for pb in $("$HDSIM" list | awk '{print $1}'); do
  [ -f "$base_dir/$pb.ini" ] || { echo "FAIL no base model tests/boundary/$pb.ini"; fail=$((fail+1)); continue; }
  "$HDSIM" describe "$pb" | awk -v pb="$pb" '
    /^Engine keys/ { engine = 1 }
    engine && pb != "streaming_lsq" { next }
    /^\[[a-z_]+\] [A-Za-z_0-9]+  \((int|real)/ {
      sec = substr($1, 2, length($1) - 2); key = $2
      type = ($3 ~ /int/) ? "int" : "real"
      rest = substr($0, index($0, ")  ") + 3)   # after "(type, default ...)"
      if (!match(rest, /^[\[(][^ ,]+, [^ \])]+[\])]/)) next
      r = substr(rest, RSTART, RLENGTH)
      lo_open = substr(r, 1, 1) == "("; hi_open = substr(r, length(r), 1) == ")"
      split(substr(r, 2, length(r) - 2), b, ", ")
      print pb, sec, key, type, b[1], lo_open, b[2], hi_open
    }' >>"$cases.raw"
done
while read -r pb sec key type lo lo_open hi hi_open; do
  for side in lo hi; do
    b=${!side}; open=$([ $side = lo ] && echo "$lo_open" || echo "$hi_open")
    case $b in inf|-inf) continue ;; esac
    sign=$([ $side = lo ] && echo 1 || echo -1)   # direction into the range
    if [ "$type" = int ]; then
      if [ "$open" = 1 ]; then inside=$((b + sign)); past=$b
      else inside=$b; past=$((b - sign)); fi
    else
      read -r inside past < <(awk -v b="$b" -v s="$sign" -v o="$open" 'BEGIN {
        d = 1e-9 * (b < 0 ? -b : b); if (d < 1e-12) d = 1e-12
        if (o == 1) printf "%.17g %.17g\n", b + s * d, b; else printf "%.17g %.17g\n", b, b - s * d }')
    fi
    echo "$pb $sec $key $inside in" >>"$cases"
    echo "$pb $sec $key $past out" >>"$cases"
  done
done <"$cases.raw"

xargs -P 2 -L 1 bash -c 'one_case "$@"' _ <"$cases" >results.txt
grep -v '^    ' results.txt | sort >summary.txt
grep '^FAIL' -A5 results.txt
n=$(wc -l <summary.txt)
completed=$(grep -c '^completed' summary.txt)
refused=$(grep -c '^refused' summary.txt)
interrupted=$(grep -c '^interrupted' summary.txt)
failures=$(grep -c '^FAIL' summary.txt)
echo "boundary sweep: cases $n, completed $completed, refused $refused, interrupted $interrupted, failures $failures"
grep '^interrupted' summary.txt | sed 's/^/  /'
check "boundary sweep: every case decided ($n cases)" test "$n" -eq "$(wc -l <"$cases")"
check "boundary sweep: no failures" test "$failures" -eq 0
finish
