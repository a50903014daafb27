#!/usr/bin/env bash
# The Debian 12 packages hdsim builds, tests and plots with (nothing else is fetched).
set -euo pipefail
pkgs=(gcc pkg-config meson ninja-build
      libsundials-dev libinih-dev libhdf5-dev hdf5-tools liblapacke-dev libopenblas-dev
      librandom123-dev libfftw3-dev libmatheval-dev libopenmpi-dev openmpi-bin python3 python3-numpy python3-h5py python3-matplotlib
      python3-scipy   # python3-scipy: bench/gmm_multiclass_baselines.py only
      scdoc man-db    # the man page (docs/hdsim.1.scd) and its test
      strace          # tests/threads.sh and tests/install.sh count threads and file opens
      # the Python package and its tests: xarray over h5netcdf / netCDF4, ncdump, pytest,
      # and the example notebook run headless
      python3-xarray python3-h5netcdf python3-netcdf4 python3-pandas netcdf-bin
      python3-pytest python3-nbclient python3-ipykernel jupyter-nbconvert)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
