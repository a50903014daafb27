"""Shared start-up of hdsim's plot scripts.

Importing this module makes sure numpy, h5py, xarray and matplotlib can be imported: a
python3 earlier on PATH (pyenv, a venv) may lack Debian's packages, so the script is
re-executed once with Debian's /usr/bin/python3.  It puts the source tree's python/ on
sys.path (so `import hdsim` works without installation; an installed hdsim is used when
the tree has none) and selects the non-interactive Agg backend.  Every script parses its
arguments with argparse (--help) and draws through a function of hdsim.plot.
"""
import os
import sys

_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isdir(os.path.join(_root, "python", "hdsim")):
    sys.path.insert(0, os.path.join(_root, "python"))

try:
    import h5py  # noqa: F401
    import numpy  # noqa: F401
    import xarray  # noqa: F401
    import matplotlib
except ImportError:
    _debian = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(_debian) and os.path.exists(_debian) \
            and not os.environ.get("HDSIM_PLOT_REEXEC"):
        os.environ["HDSIM_PLOT_REEXEC"] = "1"
        os.execv(_debian, [_debian] + sys.argv)
    sys.exit(f"{os.path.basename(sys.argv[0])} needs numpy, h5py, xarray and matplotlib "
             "(apt-get install python3-h5py python3-xarray python3-h5netcdf python3-matplotlib)")

matplotlib.use("Agg")


def save(fig, out):
    """Writes the figure and prints its path (what every script does last)."""
    fig.savefig(out, dpi=110)
    print(out)


def report(fails, what):
    """Prints each failed check and exits 1, or "ok: <what>" and exits 0 (the --check
    option of the scripts that test a claim)."""
    for m in fails:
        print("FAIL:", m)
    if not fails:
        print(f"ok: {what}")
    sys.exit(1 if fails else 0)
