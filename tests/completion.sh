#!/usr/bin/env bash
# The bash completion (completion/hdsim.bash): commands, options read from the
# program's --help, problem names, keys after `describe PROBLEM`, shipped models.
set -u
: "${HDSIM:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
. "$HDSIM_SOURCE_ROOT/completion/hdsim.bash"
export HDSIM_DATADIR="$HDSIM_SOURCE_ROOT"
# complete WORD...: COMPREPLY for the command line "WORD..." with the cursor at the end
# of the last word (the program is $HDSIM)
complete_line() {
  COMP_WORDS=("$HDSIM" "$@")
  COMP_CWORD=$#
  _hdsim
  printf '%s\n' "${COMPREPLY[@]}" | sort >"$tmp/reply"
}
has() { grep -qx -- "$1" "$tmp/reply" || { echo "  no '$1' in: $(tr '\n' ' ' <"$tmp/reply")"; return 1; }; }
lacks() { ! grep -qx -- "$1" "$tmp/reply"; }

complete_line ""
check "commands"              bash -c "[ \"\$(tr '\n' ' ' <'$tmp/reply')\" = 'check describe export help list run validate ' ]"
complete_line "de"
check "de -> describe"        bash -c "[ \"\$(cat '$tmp/reply')\" = describe ]"
complete_line "--v"
check "global --version"      has --version
complete_line run --th
check "run --th -> --threads" has --threads
complete_line run --
check "run options: --resume" has --resume
check "run options: --experiment" has --experiment
check "run options: --help"   has --help
check "run options: not --dims" lacks --dims
complete_line validate --
check "validate options: --dims" has --dims
complete_line validate --fit ""
check "--fit values"          has fluctuation
complete_line describe ""
check "problem names"         has streaming_lsq
check "engine"                has engine
complete_line describe streaming_lsq opt
check "keys after describe PROBLEM" has optimizer.lr
complete_line describe gmm_multiclass ""
check "another problem's keys" has simulation.runs
complete_line run lsq_po
check "shipped models"        has lsq_powerlaw
complete_line list --m
check "list --models"         has --models
finish
