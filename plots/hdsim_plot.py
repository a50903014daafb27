"""Shared start-up of hdsim's plot scripts.

Importing this module makes sure numpy, h5py and matplotlib can be imported: a python3
earlier on PATH (pyenv, a venv) may lack Debian's packages, so the script is re-executed
once with Debian's /usr/bin/python3.  It also selects the non-interactive Agg backend.
"""
import os
import sys

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
