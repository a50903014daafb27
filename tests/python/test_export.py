"""hdsim export OUT.h5 --csv DIR: one tidy CSV per group; read back (pandas), every value
equals the file's, bit for bit; units named in the header."""
import os
import subprocess

import numpy as np
import pandas as pd
import pytest
import xarray as xr


def export(binary, path, out):
    r = subprocess.run([binary, "export", path, "--csv", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def read(path):
    with open(path) as fh:
        head = [fh.readline(), fh.readline()]
    assert head[0].startswith("# hdsim export of ") and head[1].startswith("# units:")
    units = dict(item.strip().split("=", 1) for item in head[1][len("# units:"):].split(","))
    # round_trip: pandas's default float parser is off by an ulp now and then
    return pd.read_csv(path, comment="#", float_precision="round_trip"), units


def test_run_round_trip(binary, outputs, tmp_path):
    path = outputs["noisy_sgd"]
    out = export(binary, path, tmp_path / "csv")
    theory, units = read(out / "theory.csv")
    with xr.open_dataset(path, group="theory", engine="h5netcdf") as ds:
        assert list(theory.columns[:1]) == ["t"]
        for v in list(ds.data_vars) + ["t"]:
            np.testing.assert_array_equal(theory[v].to_numpy(), ds[v].values)
            assert units[v] == ds[v].attrs["units"]
    runs, _ = read(out / "simulation_risk__run_t.csv")
    with xr.open_dataset(path, group="simulation/risk", engine="h5netcdf") as ds:
        R, T = ds.sizes["run"], ds.sizes["t"]
        assert len(runs) == R * T and list(runs.columns) == ["run", "t", "runs"]
        np.testing.assert_array_equal(runs["runs"].to_numpy().reshape(R, T), ds["runs"].values)
    privacy, _ = read(out / "privacy__orders_t.csv")  # 2-D, NaN / inf kept
    assert list(privacy.columns[:2]) == ["orders", "t"]
    with xr.open_dataset(path, group="privacy", engine="h5netcdf") as ds:
        shape = (ds.sizes["orders"], ds.sizes["t"])
        np.testing.assert_array_equal(privacy["eps_exact"].to_numpy().reshape(shape),
                                      ds["eps_exact"].values)


def test_sweep_round_trip(binary, sweep_file, tmp_path):
    out = export(binary, sweep_file, tmp_path / "csv")
    table, units = read(out / "sweep_simulation.csv")
    assert list(table.columns[:4]) == ["point", "t", "lr", "label_noise"]
    with xr.open_dataset(sweep_file, group="sweep/simulation", engine="h5netcdf") as ds:
        P, T = ds.sizes["point"], ds.sizes["t"]
        np.testing.assert_array_equal(table["risk"].to_numpy().reshape(P, T), ds["risk"].values)
        np.testing.assert_array_equal(table["lr"].to_numpy().reshape(P, T)[:, 0], ds["lr"].values)
    assert units["risk"] == "1"
    assert len([f for f in os.listdir(out) if f.startswith("points_")]) > 6


def test_bad_arguments(binary, tmp_path):
    assert subprocess.run([binary, "export", "nope.h5", "--csv", str(tmp_path)],
                          capture_output=True).returncode == 1
    assert subprocess.run([binary, "export", "nope.h5"], capture_output=True).returncode == 2


def test_every_group_exported(binary, outputs, sweep_file, ladder_file, tmp_path):
    """Every group that holds data (not only coordinates), in a run of each problem, a
    sweep and a ladder, has its CSV table(s), each with the provenance and units header
    and named columns (an empty /diagnostics has no rows)."""
    import h5py
    for k, path in enumerate(list(outputs.values()) + [sweep_file, ladder_file]):
        out = export(binary, path, tmp_path / f"csv{k}")
        names = os.listdir(out)
        with h5py.File(path, "r") as f:
            groups = []
            # a group holding only coordinates (dimension scales such as /compare/t) has
            # no table of its own
            f.visititems(lambda n, o: groups.append(n) if isinstance(o, h5py.Group) and any(
                isinstance(v, h5py.Dataset) and v.attrs.get("CLASS") != b"DIMENSION_SCALE"
                for v in o.values()) else None)
        for g in groups:
            stem = g.replace("/", "_")
            assert any(n == stem + ".csv" or n.startswith(stem + "__") for n in names), \
                f"{path}: no CSV for /{g}"
        for n in names:
            table, units = read(out / n)
            assert len(table.columns) > 0 and units, (path, n)
