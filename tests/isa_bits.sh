#!/usr/bin/env bash
# The streaming kernels (Philox/ziggurat, SGD steps, CVODE's vector passes) are built for
# the ISA chosen at configure time (-Disa, default auto); none is compiled with FMA
# contraction or reassociation, so every level must write the same bits.  Runs models
# through hdsim and through the same program with baseline kernels and compares every
# dataset group (not /diagnostics, which holds wall-clock seconds).
set -u
: "${HDSIM:?}" "${HDSIM_BASELINE:?}" "${HDSIM_SOURCE_ROOT:?}"
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
root=$HDSIM_SOURCE_ROOT
small=$root/tests/models/small_powerlaw.ini
# a d = 5·10⁴ ODE on two threads: CVODE's fused passes in blocks, the Woodbury solve
sed -e 's/^d = 300/d = 50000/' -e 's/^runs = 6/runs = 1/' -e 's/^horizon = 3/horizon = 30\nenabled = false/' \
  -e 's/^times = .*/times = log(0.01, 30, 12)/' "$small" >ode.ini
# Rademacher data at d = 4000 (the ±1 sampler)
sed -e 's/^d = 300/d = 4000\ndistribution = rademacher/' "$small" >rademacher.ini
models="$root/models/default.ini $root/models/lsq_isotropic.ini $root/models/noisy_isotropic.ini
$root/models/noisy_clipped.ini $root/models/sam_streaming_sam.ini
$root/models/multiclass_ls_isotropic.ini ode.ini rademacher.ini"
for m in $models; do
  name=$(basename "$m" .ini)
  "$HDSIM" run "$m" -o "$name.isa.h5" --quiet --threads 2 >/dev/null 2>&1; rc1=$?
  "$HDSIM_BASELINE" run "$m" -o "$name.base.h5" --quiet --threads 2 >/dev/null 2>&1; rc2=$?
  check "$name: both builds exit 0" test "$rc1" -eq 0 -a "$rc2" -eq 0
  groups=$(h5ls "$name.isa.h5" 2>/dev/null | awk '$2 == "Group" && $1 != "diagnostics" {print $1}')
  check "$name: has /simulation or /theory" grep -qx 'simulation\|theory' <<<"$groups"
  for g in $groups; do
    check "$name: /$g the same bits" h5diff -q "$name.isa.h5" "$name.base.h5" "/$g" "/$g"
  done
  k1=$(attr "$name.isa.h5" /rng_kernel) k2=$(attr "$name.base.h5" /rng_kernel)
  check "$name: kernel ISA recorded ($k1)" test "$k1" != "$k2" -a "${k2%ISA baseline)}" != "$k2"
done
finish
