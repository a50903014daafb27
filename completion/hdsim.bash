# bash completion for hdsim and hdsim-mpi: commands, each command's options (read from
# `hdsim COMMAND --help`, so they never drift from the program), problem names and
# shipped models, and the keys of a problem after `hdsim describe PROBLEM`.
_hdsim()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local prog=${COMP_WORDS[0]} cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} != -* ]]; then cmd=${COMP_WORDS[i]}; break; fi
  done
  COMPREPLY=()
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--version -V --help -h" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "run check validate list describe export help" -- "$cur"))
    fi
    return
  fi
  local opts
  opts=$("$prog" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
  case $cmd in
    help)
      COMPREPLY=($(compgen -W "run check validate list describe export" -- "$cur"))
      return ;;
    describe)
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
      fi
      local problem="" n=0
      for ((i = i + 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -* ]] && continue
        problem=${COMP_WORDS[i]}; n=$((n + 1)); break
      done
      if [[ -z $problem ]]; then
        COMPREPLY=($(compgen -W "$("$prog" list 2>/dev/null | cut -d' ' -f1) engine" -- "$cur"))
      else
        local keys
        keys=$("$prog" describe "$problem" 2>/dev/null |
               sed -n 's/^\[\([a-z_]*\)\] \([a-z_][a-z_0-9]*\) .*/\1.\2/p')
        COMPREPLY=($(compgen -W "$keys" -- "$cur"))
      fi
      return ;;
  esac
  case $prev in
    -o|--output|--experiment) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --csv) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    -t|--threads|-s|--seed|--dims|--runs|--observable) return ;;
    --fit) COMPREPLY=($(compgen -W "fluctuation mean" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case $cmd in
    export) COMPREPLY=($(compgen -f -X '!*.h5' -- "$cur") $(compgen -d -- "$cur")) ;;
    run|check|validate)
      local models
      models=$("$prog" list --models 2>/dev/null | sed -n 's/^  \([^ ]*\) .*/\1/p')
      COMPREPLY=($(compgen -f -X '!*.ini' -- "$cur") $(compgen -d -- "$cur")
                 $(compgen -W "$models" -- "$cur")) ;;
  esac
}
complete -F _hdsim -o filenames hdsim hdsim-mpi
