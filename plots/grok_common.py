"""Shared helpers of the grokking plots: reading hdsim files (single runs and [sweep]
files), grokking times (spec dmft_grokking.md §1.4.9).  Importing it re-executes the
script with Debian's python3 when needed (plots/hdsim_plot.py)."""
from hdsim_plot import option, text as as_str  # noqa: F401  (re-exec with Debian's python3)
import h5py  # noqa: F401
import numpy as np


def curve(f, name, source="theory"):
    """(t, values) of an observable: the theory, or the simulation mean.  f is a file or
    a /points/K group of a sweep."""
    if source == "theory":
        return f["theory/t"][()], f["theory"][name][()]
    return f["simulation/t"][()], f["simulation"][name]["mean"][()]


def first_below(t, y, theta):
    """First time y < theta (np.inf if never): the grokking time of §1.4.9."""
    idx = np.nonzero(y < theta)[0]
    return t[idx[0]] if len(idx) else np.inf


def param(f, section, key):
    """A resolved model parameter (attribute "section.key" of parameters)."""
    v = f["parameters"].attrs[f"{section}.{key}"]
    return as_str(v) if isinstance(v, bytes) else v


def groups(paths):
    """Every run in the given files: a plain output file gives itself, a [sweep] file
    gives each /points/K group.  Yields (label, group) with the files kept open."""
    for path in paths:
        f = h5py.File(path, "r")
        if "points" in f:
            for k in sorted(f["points"], key=int):
                yield f"{path}:{k}", f["points"][k]
        else:
            yield path, f


def report(fails, what):
    """Prints each failed check and exits 1, or "ok: <what>" and exits 0."""
    import sys
    for m in fails:
        print("FAIL:", m)
    if not fails:
        print(f"ok: {what}")
    sys.exit(1 if fails else 0)
