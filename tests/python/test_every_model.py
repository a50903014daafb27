"""Every shipped model's output opens in xarray, ncdump and h5dump: each of models/*.ini
runs at a small size (every_model.py: overrides per problem), keeps the structure of its
full-size run (model_structure.json; observables against `hdsim check` of the model as
shipped), and every group opens with xarray's h5netcdf engine with t a coordinate and
units on every numeric variable; hdsim.load's own group reader gives the same Datasets."""
import json
import os
import re
import shutil
import subprocess

import pytest
import xarray as xr

from every_model import HERE, MODELS as MODEL_DIR, SHRINK, problem_of, run_text, shipped, \
    small_text, structure
from test_outputs import check_dataset, groups

MODELS = [os.path.basename(p)[:-4] for p in shipped()]
with open(os.path.join(HERE, "model_structure.json")) as fh:
    MANIFEST = json.load(fh)


@pytest.fixture(scope="module")
def small_outputs(tmp_path_factory, binary):
    """{model: (path of its small run, exit status, stderr)}, made once."""
    tmp = tmp_path_factory.mktemp("every_model")
    out = {}
    for path in shipped():
        name = os.path.basename(path)[:-4]
        _, text = small_text(path)
        h5 = str(tmp / f"{name}.h5")
        r = run_text(binary, text, h5, name + ".ini")
        out[name] = (h5, r.returncode, r.stderr)
    return out


def test_every_shipped_model_is_covered():
    assert sorted(MANIFEST) == MODELS, (
        "models/*.ini and model_structure.json differ: a new or renamed model needs its "
        "entry (/usr/bin/python3 tests/python/every_model.py --manifest "
        "tests/python/model_structure.json FULL_DIR, FULL_DIR holding full runs)")


@pytest.mark.parametrize("model", MODELS)
def test_small_run_keeps_the_structure(small_outputs, model, binary):
    path, rc, err = small_outputs[model]
    expected = MANIFEST[model]
    assert os.path.exists(path), f"{model}: no output (exit {rc}): {err}"
    assert rc == (3 if expected["status"] == "theory_failed" else 0), (model, rc, err)
    got = structure(path)
    # the observables of the model as shipped, as hdsim itself states them
    r = subprocess.run([binary, "check", os.path.join(MODEL_DIR, model + ".ini"), "-t", "1"],
                       capture_output=True, text=True)
    m = re.search(r"observables?: (.*)\)", r.stdout)
    assert r.returncode == 0 and m, (model, r.stdout, r.stderr)
    assert got["observables"] == [s.strip() for s in m.group(1).split(",")], model
    assert got["observables"] == expected["observables"], model
    assert got["status"] == expected["status"], model
    missing = {g: v for g, v in expected["groups"].items() if got["groups"].get(g) != v}
    extra = sorted(set(got["groups"]) - set(expected["groups"]))
    assert not missing and not extra, (
        f"{model}: the small run's groups differ from the full run's "
        f"({expected['source']}): differing {sorted(missing)}, only small {extra}")


@pytest.mark.parametrize("model", MODELS)
def test_every_group_opens_in_xarray(small_outputs, model):
    """Every group through xarray's h5netcdf engine (check_dataset of test_outputs.py:
    units and long_name, no phony dimensions, t a coordinate), and hdsim.load's reader
    gives the same Dataset."""
    import h5py
    from hdsim.io import _read_group
    path = small_outputs[model][0]
    with h5py.File(path, "r") as f:
        assert f.attrs["Conventions"].startswith("CF-")
        for g in groups(path):
            ds = xr.load_dataset(path, group=g, engine="h5netcdf")
            check_dataset(ds, f"{model}:/{g}")
            mine = _read_group(f, g)
            if mine is not None:
                xr.testing.assert_identical(mine, ds)


@pytest.mark.skipif(shutil.which("ncdump") is None, reason="ncdump (netcdf-bin) not installed")
@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump (hdf5-tools) not installed")
def test_ncdump_and_h5dump_read_every_model(small_outputs):
    for model, (path, _, _) in small_outputs.items():
        r = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
        assert r.returncode == 0 and "t = " in r.stdout, (model, r.stderr[-500:])
        r = subprocess.run(["h5dump", "-H", path], capture_output=True, text=True)
        assert r.returncode == 0, (model, r.stderr[-500:])


def test_every_problem_has_overrides():
    problems = set()
    for path in shipped():
        with open(path) as fh:
            problems.add(problem_of(fh.read()))
    assert problems <= set(SHRINK), f"no overrides in every_model.SHRINK for {problems - set(SHRINK)}"
