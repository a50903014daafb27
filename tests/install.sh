#!/usr/bin/env bash
# `meson install` into a DESTDIR, the installed tree then moved elsewhere as a whole:
# the binaries, man page, completion, models, plots, reference data, theory documents
# (and the Python package when the tree has one) are there, and the installed hdsim
# runs a shipped model by name and a plot script draws it, from an empty directory,
# without opening anything in the source or build tree (checked with strace).
set -u
: "${HDSIM_SOURCE_ROOT:?}" "${HDSIM_BUILD_ROOT:?}"
. "$(dirname "$0")/lib.sh"
meson install -C "$HDSIM_BUILD_ROOT" --destdir "$tmp/dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1
check "meson install --destdir"   test -x "$(find "$tmp/dest" -path '*/bin/hdsim' | head -1)"
mv "$tmp/dest" "$tmp/moved"
bin=$(dirname "$(find "$tmp/moved" -path '*/bin/hdsim' | head -1)")
root=$(dirname "$bin")
check "man page installed"        test -f "$root/share/man/man1/hdsim.1"
check "completion installed"      bash -c "ls '$tmp'/moved/**/bash-completion/completions/hdsim >/dev/null 2>&1 || find '$tmp/moved' -path '*bash-completion/completions/hdsim' | grep -q ."
check "models installed"          test -f "$root/share/hdsim/models/lsq_powerlaw.ini"
check "plots installed"           test -f "$root/share/hdsim/plots/compare.py"
check "reference data installed"  test -f "$root/share/doc/hdsim/data/README.md"
check "theory documents installed" bash -c "ls '$root'/share/doc/hdsim/docs/theory/*.md >/dev/null"
# describe names the installed copy of the theory document (the tree moved: under $tmp/moved)
doc=$("$bin/hdsim" describe streaming_lsq | sed -n 's/^mathematics: .* installed as //p')
check "describe names the installed theory document" test -f "$tmp/moved$doc"
if [ -d "$HDSIM_SOURCE_ROOT/python/hdsim" ]; then
  check "Python package installed" bash -c "find '$root' -path '*-packages/hdsim/__init__.py' | grep -q ."
fi
pkgdir=$(find "$root" -type d -name '*-packages' | head -1)

mkdir "$tmp/work" && cd "$tmp/work" || exit 1
run_installed() {
  env -u HDSIM_DATADIR -u HDSIM -u HDSIM_SOURCE_ROOT PATH="$bin:/usr/bin:/bin" \
    PYTHONPATH="${pkgdir:-}" MPLBACKEND=Agg strace -f -qq -e trace=%file -o "$tmp/trace" "$@"
}
# No file of the source or build tree opened (failed look-ups aside); the test's own
# directory may lie inside the build tree, so paths under it do not count.
clean_trace() {
  local hits
  hits=$(grep -v ENOENT "$tmp/trace" | grep -F -e "\"$HDSIM_SOURCE_ROOT/" -e "\"$HDSIM_BUILD_ROOT/" |
         grep -v -F "$tmp")
  [ -z "$hits" ] || { echo "$hits" | head -3; return 1; }
}
check "installed hdsim lists its models" exit_is 0 run_installed hdsim list --models
check "  from the installed tree"  grep -q "^shipped models in $root/share/hdsim/models" "$tmp/stdout"
check "runs a shipped model by name" exit_is 0 run_installed hdsim run lsq_isotropic --quiet --threads 2
check "  wrote out/lsq_isotropic.h5" test -f out/lsq_isotropic.h5
check "  read nothing from the source or build tree" clean_trace
check "  read the installed model" grep -q "$root/share/hdsim/models/lsq_isotropic.ini" "$tmp/trace"
check "an installed plot draws it" exit_is 0 run_installed /usr/bin/python3 "$root/share/hdsim/plots/compare.py" out/lsq_isotropic.h5 -o fig.png
check "  the figure"               test -s fig.png
check "  read nothing from the source or build tree" clean_trace
check "installed man page renders" bash -c "MANWIDTH=80 man -l '$root/share/man/man1/hdsim.1' | grep -q '^SYNOPSIS'"
finish
