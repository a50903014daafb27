#!/usr/bin/env bash
# The man page (built from docs/hdsim.1.scd by scdoc) renders without warnings, and
# names every command and every option the program's --help lists.
set -u
: "${HDSIM:?}" "${HDSIM_MAN:?}"
. "$(dirname "$0")/lib.sh"
export MANWIDTH=80
check "man -l renders"            bash -c "man -l '$HDSIM_MAN' >'$tmp/man.txt' 2>'$tmp/man.err'"
check "  without warnings"        bash -c "[ -z \"\$(man --warnings -l '$HDSIM_MAN' 2>&1 >/dev/null)\" ]"
check "  NAME section"            grep -q '^NAME' "$tmp/man.txt"
for s in SYNOPSIS COMMANDS 'MODEL FILES' SWEEPS 'EXIT STATUS' ENVIRONMENT FILES; do
  check "  section $s"            grep -q "^$s" "$tmp/man.txt"
done
for c in run check validate list describe export; do
  check "  command $c"            grep -q "^       $c " "$tmp/man.txt"
  for o in $("$HDSIM" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    [ "$o" = --help ] && continue
    check "  $c's option $o"      grep -q -- "$o" "$tmp/man.txt"
  done
done
finish
