"""Every output is a netCDF-4/CF dataset: xarray (h5netcdf and netCDF4 engines) opens every
group of a run of each problem, of a sweep and of a ladder, with coordinates and units;
ncdump and h5dump read the files; the sweep's stacked arrays select by swept key."""
import shutil
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

from small_models import SMALL

ENGINES = ["h5netcdf", "netcdf4"]


def groups(path):
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Group) else None)
    return out


def check_dataset(ds, where):
    """One group as xarray opened it: units and long_name on every numeric variable, no
    phony dimension, t a coordinate wherever a variable runs over t."""
    for name, v in ds.variables.items():
        if v.dtype.kind in "fiu":
            units = v.attrs.get("units")
            assert units, f"{where}/{name} has no units"
            assert v.attrs.get("long_name"), f"{where}/{name} has no long_name"
    assert not any(d.startswith("phony_dim") for d in ds.dims), (where, ds.dims)
    if any("t" in ds[v].dims for v in ds.data_vars):
        assert "t" in ds.coords, f"{where}: t is not a coordinate"


def check_file(path, engine):
    with h5py.File(path, "r") as f:
        assert f.attrs["Conventions"].startswith("CF-")
    for g in groups(path):
        with xr.open_dataset(path, group=g, engine=engine) as ds:
            check_dataset(ds, f"{path}:/{g}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("problem", sorted(SMALL))
def test_every_group_opens(outputs, problem, engine):
    check_file(outputs[problem], engine)


@pytest.mark.parametrize("problem", sorted(SMALL))
def test_time_coordinate_says_what_t_is(outputs, problem):
    with xr.open_dataset(outputs[problem], group="theory", engine="h5netcdf") as ds:
        t = ds["t"]
        assert t.attrs["units"] == "1"
        assert t.attrs["description"].startswith("t = ")
    with h5py.File(outputs[problem], "r") as f:
        assert f.attrs["time_unit"] == t.attrs["description"]


def test_simulation_runs_over_run_and_t(outputs):
    with xr.open_dataset(outputs["streaming_lsq"], group="simulation/risk",
                         engine="netcdf4") as ds:
        assert ds["runs"].dims == ("run", "t")
        assert ds["mean"].dims == ("t",)
        np.testing.assert_array_equal(ds["run"].values, np.arange(ds.sizes["run"]))


@pytest.mark.parametrize("engine", ENGINES)
def test_sweep_and_ladder_open(sweep_file, ladder_file, engine):
    check_file(sweep_file, engine)
    check_file(ladder_file, engine)


def test_ladder_coordinate_is_d(ladder_file):
    with xr.open_dataset(ladder_file, group="ladder", engine="h5netcdf") as ds:
        assert list(ds["d"].values) == [100, 200, 400]
        assert ds["statistic"].dims == ("d",)


def test_sweep_stacked_equals_points(sweep_file):
    with h5py.File(sweep_file, "r") as f:
        n = int(f["sweep"].attrs["n_points"])
        lrs = f["sweep/optimizer.lr"][()]
        per_point = [f[f"points/{p}/simulation/risk/mean"][()] for p in range(n)]
        theory = [f[f"points/{p}/theory/risk"][()] for p in range(n)]
    with xr.open_dataset(sweep_file, group="sweep/simulation", engine="h5netcdf") as ds:
        assert ds["risk"].dims == ("point", "t")
        assert ds["risk_stderr"].dims == ("point", "t")
        np.testing.assert_array_equal(ds["lr"].values, lrs)
        for p in range(n):  # same grid at every point: the stacked rows are the points' data
            np.testing.assert_array_equal(ds["risk"].values[p], per_point[p])
        sel = ds.set_xindex("lr")["risk"].sel(lr=0.5)
        assert sel.sizes["point"] == 2 and np.all(sel["lr"].values == 0.5)
    with xr.open_dataset(sweep_file, group="sweep/theory", engine="netcdf4") as ds:
        for p in range(n):
            np.testing.assert_array_equal(ds["risk"].values[p], theory[p])


def test_sweep_union_grid_nan_where_absent(sam_sweep_file):
    with h5py.File(sam_sweep_file, "r") as f:
        grids = [f[f"points/{p}/theory/t"][()] for p in range(2)]
        values = [f[f"points/{p}/theory/loss"][()] if "loss" in f[f"points/{p}/theory"]
                  else None for p in range(2)]
    union = np.unique(np.concatenate(grids))
    with xr.open_dataset(sam_sweep_file, group="sweep/theory", engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["t"].values, union)
        name = [v for v in ds.data_vars][0]
        for p in range(2):
            row = ds[name].values[p]
            on = np.isin(union, grids[p])
            assert np.all(np.isnan(row[~on]))
            assert np.isfinite(row[on]).all()
    assert any(len(g) != len(union) for g in grids), "the two points should differ in grid"
    del values


@pytest.mark.skipif(shutil.which("ncdump") is None, reason="ncdump (netcdf-bin) not installed")
def test_ncdump_reads(outputs, sweep_file, ladder_file):
    for path in list(outputs.values()) + [sweep_file, ladder_file]:
        r = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
        assert r.returncode == 0, (path, r.stderr)
        assert "t = " in r.stdout or "d = " in r.stdout


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump (hdf5-tools) not installed")
def test_h5dump_reads(outputs, sweep_file):
    for path in list(outputs.values()) + [sweep_file]:
        r = subprocess.run(["h5dump", "-H", path], capture_output=True, text=True)
        assert r.returncode == 0, (path, r.stderr[-500:])


def test_checks_fail_without_coordinates(outputs, tmp_path):
    """The checks above can fail: the same file with the coordinates' attachments and one
    variable's units removed is refused."""
    path = tmp_path / "bare.h5"
    shutil.copy(outputs["streaming_lsq"], path)
    with h5py.File(path, "r+") as f:
        for name in ("risk", "distance"):
            del f["theory"][name].attrs["DIMENSION_LIST"]
    with pytest.raises(Exception):
        check_file(str(path), "h5netcdf")
    shutil.copy(outputs["streaming_lsq"], path)
    with h5py.File(path, "r+") as f:
        del f["theory/risk"].attrs["units"]
    with pytest.raises(AssertionError, match="no units"):
        check_file(str(path), "netcdf4")
