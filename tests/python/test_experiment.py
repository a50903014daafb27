"""hdsim run --experiment (and [output] experiment): a user's measured curves, written by
numpy/h5py here (HDF5, CSV, .npy pairs), read back from /experiment as given, the errors /compare/experiment_<obs>
against an independent numpy computation on the theory's times (np.interp, linear in t,
NaN outside the measured range), the file's SHA-256 in the provenance, the CSV form equal
to the HDF5 form, and the refusals (exit 2) with their messages."""
import hashlib

import h5py
import numpy as np
import pytest

import hdsim
from small_models import SMALL, model_path

LSQ_MODEL = model_path("streaming_lsq")
# linear output times, so that some measured times fall between two theory times
SMALL_LSQ = {**SMALL["streaming_lsq"][1], "output.times": "linear(0, 2, 21)"}
D = SMALL_LSQ["data.d"]

rng = np.random.default_rng(7)
T_MEAS = np.array([0.0, 0.13, 0.4, 0.55, 1.0, 1.37, 1.8])  # inside the horizon 2
RISK = 0.4 + 0.3 * np.exp(-T_MEAS)[None, :] + 0.02 * rng.standard_normal((3, T_MEAS.size))
DIST = 1.0 + 0.1 * T_MEAS


def write_h5(path, group="/", **arrays):
    with h5py.File(path, "a") as f:
        g = f.require_group(group)
        for k, v in arrays.items():
            g[k] = v
    return str(path)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    path = write_h5(tmp_path_factory.mktemp("exp") / "runs.h5", t=T_MEAS, risk=RISK,
                    distance=DIST)
    return path, hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=path)


def test_round_trip_and_provenance(measured):
    path, res = measured
    exp = res["experiment"]
    np.testing.assert_array_equal(exp["t"].values, T_MEAS)
    np.testing.assert_array_equal(exp["risk_runs"].values, RISK)
    np.testing.assert_allclose(exp["risk"].values, RISK.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(exp["risk_stderr"].values, RISK.std(axis=0, ddof=1) / np.sqrt(3),
                               rtol=1e-12)
    np.testing.assert_array_equal(exp["distance"].values, DIST)
    assert np.isnan(exp["distance_stderr"].values).all()  # one run: no standard error
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    assert digest in res.attrs["provenance_inputs"]


def test_compare_values_against_numpy(measured):
    _, res = measured
    th, cmp_ = res["theory"], res["compare"]
    tg = th["t"].values
    inside = (tg >= T_MEAS[0]) & (tg <= T_MEAS[-1])
    for name, runs in (("risk", RISK), ("distance", DIST[None, :])):
        theory = th[name].values
        interp = lambda y: np.where(inside, np.interp(tg, T_MEAS, y), np.nan)  # noqa: E731
        mean = interp(runs.mean(axis=0))
        abs_ = mean - theory
        got = cmp_[f"experiment_{name}_abs"].values
        assert np.array_equal(np.isnan(got), ~inside)
        np.testing.assert_allclose(got[inside], abs_[inside], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(cmp_[f"experiment_{name}_rel"].values[inside],
                                   (abs_ / np.abs(theory))[inside], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(cmp_[f"experiment_{name}_scaled"].values[inside],
                                   (np.sqrt(D) * abs_)[inside], rtol=1e-12, atol=1e-14)
        rms = np.sqrt(np.mean([(interp(r) - theory) ** 2 for r in runs], axis=0)) / np.abs(theory)
        np.testing.assert_allclose(cmp_[f"experiment_{name}_run_rms"].values[inside],
                                   rms[inside], rtol=1e-12)
        if runs.shape[0] > 1:
            se = interp(runs.std(axis=0, ddof=1) / np.sqrt(runs.shape[0]))
            np.testing.assert_allclose(cmp_[f"experiment_{name}_z"].values[inside],
                                       (abs_ / se)[inside], rtol=1e-12)
    assert res["compare/experiment_risk"].attrs["sup_rel"] == pytest.approx(
        np.nanmax(np.abs(cmp_["experiment_risk_rel"].values)), rel=1e-15)
    # the Monte Carlo comparison is still there, untouched
    assert "risk_rel" in cmp_


def test_csv_equals_hdf5_and_group_path(measured, tmp_path):
    _, res = measured
    csv = tmp_path / "runs.csv"
    with open(csv, "w") as fh:
        fh.write("# measured on my cluster\nt, risk, risk, risk, distance\n")
        for j, t in enumerate(T_MEAS):
            fh.write(",".join(repr(float(v)) for v in (t, *RISK[:, j], DIST[j])) + "\n")
    a = hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=csv)
    h5 = write_h5(tmp_path / "deep.h5", "/my/runs", t=T_MEAS, risk=RISK, distance=DIST)
    b = hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=h5 + ":/my/runs")
    c = hdsim.run(LSQ_MODEL, {**SMALL_LSQ, "output.experiment": h5 + ":/my/runs"}, threads=1)
    for r in (a, b, c):
        for v in ("risk", "risk_runs", "distance"):
            np.testing.assert_array_equal(r["experiment"][v].values, res["experiment"][v].values)
        np.testing.assert_array_equal(r["compare"]["experiment_risk_rel"].values,
                                      res["compare"]["experiment_risk_rel"].values)
    assert a["experiment"].attrs["format"] == "csv"


def test_npy_pairs_and_model_key_relative_to_the_model(measured, tmp_path):
    _, res = measured
    np.save(tmp_path / "t.npy", T_MEAS)
    np.save(tmp_path / "risk.npy", RISK)
    np.save(tmp_path / "dist.npy", DIST.astype(np.float32).astype(np.float64))
    spec = f"t={tmp_path / 't.npy'},risk={tmp_path / 'risk.npy'}"
    a = hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=spec)
    np.testing.assert_array_equal(a["experiment"]["risk_runs"].values, RISK)
    np.testing.assert_array_equal(a["compare"]["experiment_risk_rel"].values,
                                  res["compare"]["experiment_risk_rel"].values)
    assert a["experiment"].attrs["format"] == "arrays" and "distance" not in a["experiment"]
    # [output] experiment in a model file: its paths resolve against the model's directory
    text, _ = hdsim.model_text(LSQ_MODEL, {**SMALL_LSQ,
                                           "output.experiment": "t=t.npy, risk=risk.npy"})
    (tmp_path / "m.ini").write_text(text)
    b = hdsim.run(str(tmp_path / "m.ini"), threads=1)
    np.testing.assert_array_equal(b["experiment"]["risk_runs"].values, RISK)
    with pytest.raises(hdsim.HdsimInputError, match="no t=ARRAY"):
        hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=f"risk={tmp_path / 'risk.npy'}")
    with pytest.raises(hdsim.HdsimInputError, match=r"'risk' has shape \(3, 7\) but t has 6"):
        np.save(tmp_path / "t6.npy", T_MEAS[:6])
        hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1,
                  experiment=f"t={tmp_path / 't6.npy'},risk={tmp_path / 'risk.npy'}")


def test_integer_times_and_theory_only(tmp_path):
    path = write_h5(tmp_path / "int.h5", t=np.array([0, 1, 2]), risk=np.array([1, 1, 1]))
    res = hdsim.run(LSQ_MODEL, {**SMALL_LSQ, "simulation.enabled": "false"}, threads=1,
                    experiment=path)
    assert "simulation" not in res
    np.testing.assert_array_equal(res["experiment"]["t"].values, [0.0, 1.0, 2.0])
    assert np.isfinite(res["compare"]["experiment_risk_rel"].values).all()  # t = 0 ... 2


@pytest.mark.parametrize("arrays, message", [
    ({"t": T_MEAS, "loss": DIST}, "unknown observable 'loss' (this model's observables: risk"),
    ({"t": T_MEAS, "risk": np.ones((2, T_MEAS.size + 1))},
     "'risk' has shape (2, 8) but t has 7 times: give (7,) or (runs, 7)"),
    ({"t": T_MEAS, "risk": np.ones(3)}, "'risk' has shape (3,) but t has 7 times"),
    ({"t": T_MEAS * 2, "risk": DIST}, "t[5] = 2.74 is beyond the horizon 2"),
    ({"t": T_MEAS[::-1], "risk": DIST}, "t is not strictly increasing"),
    ({"t": T_MEAS - 0.5, "risk": DIST}, "t[0] = -0.5 is negative"),
    ({"t": T_MEAS, "risk": np.where(T_MEAS > 1, np.nan, 1.0)}, "risk at t = 1.37 is not finite"),
    ({"t": T_MEAS, "risk": np.array([b"x"] * 7)}, "dataset 'risk' is not numeric"),
    ({"risk": DIST}, "no dataset t (the measured times)"),
    ({"t": T_MEAS}, "no observable beside t"),
])
def test_refusals(tmp_path, arrays, message):
    path = write_h5(tmp_path / "bad.h5", **arrays)
    with pytest.raises(hdsim.HdsimInputError) as e:
        hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=path)
    assert "--experiment: " + path in str(e.value) and message in str(e.value)


def test_refusals_csv_and_model_key(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("t,risk\n0,1\n0.5,oops\n")
    with pytest.raises(hdsim.HdsimInputError, match=r"bad.csv, line 3, column 2: 'oops' is not"):
        hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=csv)
    csv.write_text("time,risk\n0,1\n")
    with pytest.raises(hdsim.HdsimInputError, match="the first column must be t"):
        hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=csv)
    with pytest.raises(hdsim.HdsimInputError, match=r"\[output\] experiment: .*no group '/nope'"):
        h5 = write_h5(tmp_path / "ok.h5", t=T_MEAS, risk=DIST)
        hdsim.run(LSQ_MODEL, {**SMALL_LSQ, "output.experiment": h5 + ":/nope"}, threads=1)
    with pytest.raises(hdsim.HdsimInputError, match="cannot read experiment file"):
        hdsim.run(LSQ_MODEL, SMALL_LSQ, threads=1, experiment=tmp_path / "missing.h5")


def test_plot_compare_shows_the_experiment(measured):
    import matplotlib
    matplotlib.use("Agg")
    import hdsim.plot
    fig = hdsim.plot.compare(measured[1])
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]
    assert "experiment (measured)" in labels and "risk (experiment)" in labels
