"""hdsim from Python: load outputs as xarray Datasets, run models and sweeps, plot them.

    import hdsim
    res = hdsim.run("models/default.ini", optimizer__lr=0.5)   # runs the hdsim binary
    res["theory"]["risk"]                                       # an xarray.DataArray over t
    sw = hdsim.sweep("models/default.ini", optimizer__lr=[0.25, 0.5, 1.0])
    sw["sweep/simulation"]["risk"].sel(lr=0.5)                  # (point, t) -> (t,)
    hdsim.plot.sweep(sw, "risk")

Pure Python on Debian's numpy, h5py, xarray (engine h5netcdf) and matplotlib; it drives
the hdsim binary found through $HDSIM, the build tree next to this package, or PATH.
"""
from .io import Result, load
from .runner import HdsimError, HdsimInputError, binary, model_text, run, sweep

__all__ = ["Result", "load", "run", "sweep", "binary", "model_text", "HdsimError",
           "HdsimInputError", "plot"]


def __getattr__(name):
    # hdsim.plot imports matplotlib: only when asked for
    if name == "plot":
        import importlib
        return importlib.import_module(".plot", __name__)
    raise AttributeError(name)
