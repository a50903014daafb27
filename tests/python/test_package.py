"""The hdsim Python package: load, run (model as path, text or dict; overrides both
spellings), sweep, and the binary's errors as exceptions with file:line messages."""
import numpy as np
import pytest

import hdsim
from small_models import SMALL, model_path

LSQ_MODEL, LSQ_SMALL = model_path("streaming_lsq"), SMALL["streaming_lsq"][1]


def test_load_groups_coordinates_parameters(outputs):
    res = hdsim.load(outputs["streaming_lsq"])
    assert res.problem == "streaming_lsq"
    th, sim = res["theory"], res["simulation"]
    assert "t" in th.coords and th["risk"].dims == ("t",)
    assert sim["risk_runs"].dims == ("run", "t")
    assert sim["risk"].attrs["long_name"] == "Monte Carlo mean of risk"
    assert th.attrs["data.d"] == 200 and res.parameters["data.d"] == 200
    assert res.time_unit == "t = SGD steps x batch / d"
    assert "risk_rel" in res["compare"]


def test_run_overrides_both_spellings_agree():
    a = hdsim.run(LSQ_MODEL, LSQ_SMALL, optimizer__lr=0.3, threads=1)
    b = hdsim.run(LSQ_MODEL, {**LSQ_SMALL, "optimizer.lr": 0.3}, threads=1)
    assert a.parameters["optimizer.lr"] == 0.3
    np.testing.assert_array_equal(a["simulation"]["risk"].values, b["simulation"]["risk"].values)
    c = hdsim.run(LSQ_MODEL, LSQ_SMALL, optimizer__lr=0.6, threads=1)
    assert not np.array_equal(a["theory"]["risk"].values, c["theory"]["risk"].values)


def test_run_model_as_text_and_dict():
    text, _ = hdsim.model_text(LSQ_MODEL, LSQ_SMALL)
    a = hdsim.run(text, threads=1)
    sections = {"model": {"problem": "streaming_lsq", "seed": 2024},
                "data": {"d": 200, "spectrum": "power_law", "alpha": 1.5, "label_noise": 0.5,
                         "target": "random"},
                "optimizer": {"lr": 0.8},
                "simulation": {"runs": 4, "horizon": 2},
                "output": {"times": "log(0.01, 2, 12)"}}
    b = hdsim.run(sections, threads=1)
    np.testing.assert_array_equal(a["theory"]["risk"].values, b["theory"]["risk"].values)
    np.testing.assert_array_equal(a["simulation"]["risk"].values, b["simulation"]["risk"].values)


def test_bad_model_raises_with_file_line():
    with pytest.raises(hdsim.HdsimInputError) as e:
        hdsim.run(LSQ_MODEL, LSQ_SMALL, optimizer__lr=-1)
    msg = str(e.value)
    assert LSQ_MODEL in msg and "[optimizer] lr" in msg and e.value.returncode == 2
    line = int(msg.split(LSQ_MODEL + ":", 1)[1].split(":", 1)[0])
    with open(LSQ_MODEL) as fh:  # the override replaced the key on its own line
        assert fh.read().split("\n")[line - 1].strip().startswith("lr")
    with pytest.raises(hdsim.HdsimInputError, match="unknown key"):
        hdsim.run(LSQ_MODEL, LSQ_SMALL, optimizer__no_such_key=1)
    with pytest.raises(ValueError, match="section__key"):
        hdsim.run(LSQ_MODEL, {"lr": 1})


def test_sweep_from_python_selects_by_key():
    sw = hdsim.sweep(LSQ_MODEL, LSQ_SMALL, optimizer__lr=[0.25, 0.5, 1.0], threads=1)
    assert sw.is_sweep and sw.swept_keys == ["lr"]
    sim = sw["sweep/simulation"]
    assert sim["risk"].dims == ("point", "t") and sim.sizes["point"] == 3
    one = sim["risk"].sel(lr=0.5)
    np.testing.assert_array_equal(one.values.ravel(), sw["points/1/simulation"]["risk"].values)
    np.testing.assert_array_equal(one.values.ravel(),
                                  sw["points/1/simulation/risk"]["mean"].values)
    with pytest.raises(ValueError, match="no values to sweep"):
        hdsim.sweep(LSQ_MODEL, LSQ_SMALL)
