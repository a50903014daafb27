"""hdsim.load on sweeps: the stacked (point, t) groups are read at once, the per-point
groups only when asked for, and the two views agree; load's group reader gives what
xarray's h5netcdf engine gives."""
import h5py
import numpy as np
import pytest
import xarray as xr

import hdsim
from hdsim.io import _read_group
from test_outputs import groups


def test_load_reads_no_point_group(sweep_file):
    res = hdsim.load(sweep_file)
    assert res.is_sweep
    assert not [g for g in res.loaded() if g.startswith("points/")], res.loaded()
    assert "sweep/simulation" in res.loaded() and "sweep/theory" in res.loaded()
    th = res["points/1/theory"]                       # read on request, that group alone
    assert [g for g in res.loaded() if g.startswith("points/")] == ["points/1/theory"]
    assert th.attrs["optimizer.lr"] == res.point_parameters[1]["optimizer.lr"]
    assert "points/1/theory" in res and "points/9/theory" not in res


def test_stacked_and_per_point_views_agree(sweep_file):
    res = hdsim.load(sweep_file)
    st, sth = res["sweep/simulation"], res["sweep/theory"]
    pts = res.points()
    assert len(pts) == st.sizes["point"] == 6
    for p, pt in enumerate(pts):
        sim, th = pt["simulation"], pt["theory"]
        for c in res.swept_keys:                      # the point's swept values
            key = [k for k in pt.parameters if k.split(".")[-1] == c][0]
            assert float(st[c].values[p]) == float(pt.parameters[key])
        on = np.isin(st["t"].values, sim["t"].values)
        for obs in res.observables:
            if obs not in st:
                continue
            np.testing.assert_array_equal(st[obs].values[p][on], sim[obs].values)
            np.testing.assert_array_equal(st[obs + "_stderr"].values[p][on],
                                          sim[obs + "_stderr"].values)
            np.testing.assert_array_equal(sth[obs].values[p][on], th[obs].values)
            # the same through the dict's own path
            np.testing.assert_array_equal(res[f"points/{p}/theory"][obs].values,
                                          th[obs].values)
    # selecting by a swept key gives the rows of the points with that value
    sel = st["risk"].sel(lr=0.5)
    rows = [p for p in range(len(pts)) if pts[p].parameters["optimizer.lr"] == 0.5]
    np.testing.assert_array_equal(sel.values, st["risk"].values[rows])


def test_union_grid_views_agree(sam_sweep_file):
    """Points on different time grids: each point's values sit at its own times in the
    stacked rows, NaN elsewhere."""
    res = hdsim.load(sam_sweep_file)
    st = res["sweep/theory"]
    for p, pt in enumerate(res.points()):
        th = pt["theory"]
        on = np.isin(st["t"].values, th["t"].values)
        for obs in th.data_vars:
            if obs in st:
                np.testing.assert_array_equal(st[obs].values[p][on], th[obs].values)
                assert np.isnan(st[obs].values[p][~on]).all()


def test_mapping_never_hands_out_an_unread_group(sweep_file):
    res = hdsim.load(sweep_file)
    everything = dict(res)
    assert len(everything) == len(res) == len(list(res))
    assert all(isinstance(v, xr.Dataset) for v in everything.values())
    assert all(isinstance(v, xr.Dataset) for v in {**res}.values())
    assert all(isinstance(v, xr.Dataset) for _, v in res.items())
    assert set(groups(sweep_file)) >= set(res)
    assert res.get("points/0/nothing") is None


def test_reader_equals_xarray(outputs, sweep_file, sam_sweep_file, ladder_file):
    """load's reader names dimensions by object identity; xarray by path: the same
    Dataset, variables, coordinates and attributes, on every group it reads itself."""
    read = 0
    for path in list(outputs.values()) + [sweep_file, sam_sweep_file, ladder_file]:
        with h5py.File(path, "r") as f:
            for g in groups(path):
                mine = _read_group(f, g)
                if mine is not None:
                    read += 1
                    xr.testing.assert_identical(
                        mine, xr.load_dataset(path, group=g, engine="h5netcdf"))
    assert read > 100


def test_reader_refuses_what_it_cannot_name(outputs, tmp_path):
    """A dimension whose scale lives outside the group is left to xarray (None), not
    guessed."""
    import shutil
    path = tmp_path / "moved.h5"
    shutil.copy(outputs["streaming_lsq"], path)
    with h5py.File(path, "r+") as f:
        f["elsewhere"] = np.arange(f["theory/t"].shape[0], dtype=float)
        f["elsewhere"].make_scale("t")
        f["theory/risk"].dims[0].detach_scale(f["theory/t"])
        f["theory/risk"].dims[0].attach_scale(f["elsewhere"])
    with h5py.File(path, "r") as f:
        assert _read_group(f, "theory") is None
    res = hdsim.load(path)                            # still loads, through xarray
    assert res["theory"]["risk"].dims == ("elsewhere",)


def test_temporary_output_is_read_whole(binary):
    """hdsim.sweep without output= removes its file: every group is read before."""
    from small_models import SMALL, model_path
    sw = hdsim.sweep(model_path("streaming_lsq"), {"optimizer.lr": [0.25, 0.5]},
                     {**SMALL["streaming_lsq"][1], "data.d": 50}, threads=1)
    assert sorted(sw.loaded()) == sorted(sw)
    assert sw.points()[1]["theory"]["risk"].shape == sw["sweep/theory"]["risk"].shape[1:]
    del binary


if __name__ == "__main__":
    pytest.main([__file__])
