"""Shared helpers of the grokking plots: Debian-python re-exec, reading hdsim files,
grokking times (spec dmft_grokking.md §1.4.9)."""
import os
import sys

try:
    import h5py  # noqa: F401
    import numpy as np  # noqa: F401
    import matplotlib
except ImportError:
    debian = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(debian) and os.path.exists(debian) \
            and not os.environ.get("HDSIM_PLOT_REEXEC"):
        os.environ["HDSIM_PLOT_REEXEC"] = "1"
        os.execv(debian, [debian] + sys.argv)
    sys.exit("the grokking plots need numpy, h5py and matplotlib "
             "(apt-get install python3-h5py python3-matplotlib)")

matplotlib.use("Agg")
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def as_str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def curve(f, name, source="theory"):
    """(t, values) of an observable: the theory, or the simulation mean."""
    if source == "theory":
        return f["theory/t"][()], f["theory"][name][()]
    return f["simulation/t"][()], f["simulation"][name]["mean"][()]


def first_below(t, y, theta):
    """First time y < theta (np.inf if never): the grokking time of §1.4.9."""
    idx = np.nonzero(y < theta)[0]
    return t[idx[0]] if len(idx) else np.inf


def param(f, section, key):
    """A resolved model parameter (attribute "section.key" of /parameters)."""
    v = f["parameters"].attrs[f"{section}.{key}"]
    return as_str(v) if isinstance(v, bytes) else v
