#!/usr/bin/env bash
# glm_ladder.sh — hdsim validate on three glm losses (hinge, ReLU regression, logistic):
# one run's rms deviation from the limit must fall like d^-1/2 over d = 250 .. 2000
# (validate's fitted slope, its 95 % interval containing -1/2: "consistent").
set -u
hdsim=${HDSIM:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/hdsim_glm_ladder.XXXXXX") || exit 1
trap 'rm -rf -- "$work"' EXIT
pass=0 fail=0
one() { # name, [glm] lines, [optimizer] lines
  printf '[model]\nproblem = glm\nseed = 5\n[data]\nd = 250\n[glm]\n%b\n[optimizer]\n%b\n[simulation]\nruns = 8\nhorizon = 3\n[output]\ntimes = log(0.1, 3, 6)\n' \
    "$2" "$3" > "$work/$1.ini"
  out=$("$hdsim" validate "$work/$1.ini" --dims 250,500,1000,2000 -o "$work/$1.h5" 2>&1)
  if grep -q "expected -0.5: consistent" <<< "$out"; then
    echo "ok  : $1: $(grep -o 'slope.*consistent' <<< "$out" | tail -1)"; pass=$((pass + 1))
  else
    echo "FAIL: $1: $(tail -1 <<< "$out")"; fail=$((fail + 1))
  fi
}
one hinge 'target = sign(r_star)\nloss = max(0, 1 - y*r)' 'lr = 0.5'
one relu 'target = max(0, r_star)\nloss = 0.5*(max(0, r) - y)^2' 'lr = 1\ninit = random\ninit_scale = 0.5\ninit_overlap = 0.2'
one logistic 'target = sign(r_star)\nloss = log(1 + exp(-y*r))' 'lr = 1'
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
