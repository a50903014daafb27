#!/usr/bin/env bash
# Installs hdsim's Debian packages, builds it, runs the default model and plots it.
# Leaves out/default.h5 (theory and simulation side by side) and out/default.png.
set -euo pipefail
cd "$(dirname "$0")"
bash tools/deps.sh
meson setup build --buildtype=release >/dev/null 2>&1 || meson setup build --reconfigure --buildtype=release
ninja -C build
./build/hdsim run models/default.ini
/usr/bin/python3 plots/compare.py out/default.h5
