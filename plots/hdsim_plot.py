"""Shared start-up of hdsim's plot scripts.

Importing this module makes sure numpy, h5py, xarray and matplotlib can be imported: a
python3 earlier on PATH (pyenv, a venv) may lack Debian's packages, so the script is
re-executed once with Debian's /usr/bin/python3.  It puts the source tree's python/ on
sys.path (so `import hdsim` works without installation; an installed hdsim is used when
the tree has none), selects the non-interactive Agg backend, and answers -h/--help with the
calling script's docstring for the scripts that parse their arguments by hand.
"""
import os
import sys

_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isdir(os.path.join(_root, "python", "hdsim")):
    sys.path.insert(0, os.path.join(_root, "python"))

try:
    import h5py  # noqa: F401
    import numpy  # noqa: F401
    import matplotlib
except ImportError:
    _debian = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(_debian) and os.path.exists(_debian) \
            and not os.environ.get("HDSIM_PLOT_REEXEC"):
        os.environ["HDSIM_PLOT_REEXEC"] = "1"
        os.execv(_debian, [_debian] + sys.argv)
    sys.exit(f"{os.path.basename(sys.argv[0])} needs numpy, h5py and matplotlib "
             "(apt-get install python3-h5py python3-matplotlib)")

matplotlib.use("Agg")

_main = sys.modules.get("__main__")
if ("-h" in sys.argv[1:] or "--help" in sys.argv[1:]) and _main is not None \
        and not getattr(_main, "USES_ARGPARSE", False) and getattr(_main, "__doc__", None):
    print(_main.__doc__.strip())
    sys.exit(0)


def text(v):
    """An HDF5 string attribute or element as str."""
    return v.decode() if isinstance(v, bytes) else str(v)


def option(args, flag, default=None):
    """Removes `flag VALUE` from args and returns VALUE (or default)."""
    if flag in args:
        i = args.index(flag)
        value = args[i + 1]
        del args[i:i + 2]
        return value
    return default


def save(fig, out):
    """Writes the figure and prints its path (what every script does last)."""
    fig.savefig(out, dpi=110)
    print(out)
