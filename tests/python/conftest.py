"""Shared fixtures of hdsim's Python tests: the package from the source tree (no
installation), the binary from $HDSIM (set by meson test) or the build tree, and one
small output file per problem, a sweep and a validation ladder, made once per session."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, HERE)

import hdsim  # noqa: E402
from small_models import MODELS, SCRIPT_MODELS, SMALL, model_path  # noqa: E402


@pytest.fixture(scope="session")
def binary():
    return hdsim.binary()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("hdsim")


@pytest.fixture(scope="session")
def outputs(workdir):
    """{problem: path of a small run of one of its shipped models}"""
    out = {}
    for problem, (_, overrides) in SMALL.items():
        path = str(workdir / f"{problem}.h5")
        hdsim.run(model_path(problem), overrides, output=path, threads=1)
        out[problem] = path
    return out


@pytest.fixture(scope="session")
def sweep_file(workdir):
    """A 3 x 2 sweep of streaming_lsq over lr and label_noise."""
    path = str(workdir / "sweep.h5")
    hdsim.sweep(model_path("streaming_lsq"), {"optimizer.lr": [0.25, 0.5, 1.0],
                                              "data.label_noise": [0.1, 0.5]},
                SMALL["streaming_lsq"][1], output=path, threads=1)
    return path


@pytest.fixture(scope="session")
def sam_sweep_file(workdir):
    """A sweep whose points have different output grids (sam_quadratic: t = k eta)."""
    path = str(workdir / "sam_sweep.h5")
    hdsim.sweep(model_path("sam_quadratic"), {"optimizer.lr": [0.01, 0.03]},
                {**SMALL["sam_quadratic"][1], "output.times": "auto"}, output=path, threads=1)
    return path


@pytest.fixture(scope="session")
def ladder_file(workdir, binary):
    text, _ = hdsim.model_text(model_path("streaming_lsq"), SMALL["streaming_lsq"][1])
    model = workdir / "ladder.ini"
    model.write_text(text)
    path = str(workdir / "ladder.h5")
    subprocess.run([binary, "validate", str(model), "--dims", "100,200,400", "--runs", "4,4,4",
                    "-o", path, "--quiet", "--threads", "1"], check=True)
    return path


@pytest.fixture(scope="session")
def script_file(workdir, binary):
    """script_file(name): the path of a small run of SCRIPT_MODELS[name] (made on first
    use; the binary is called directly, the plots load the file themselves)."""
    made = {}

    def make(name):
        if name not in made:
            model, over, overrides = SCRIPT_MODELS[name]
            text, _ = hdsim.model_text(os.path.join(MODELS, model), overrides)
            for key, values in (over or {}).items():
                text = hdsim.runner._set(text, "sweep", key, hdsim.runner._value(values))
            ini, path = workdir / f"{name}.ini", str(workdir / f"{name}.h5")
            ini.write_text(text)
            subprocess.run([binary, "run", str(ini), "-o", path, "--quiet", "--threads", "1"],
                           check=True)
            made[name] = path
        return made[name]
    return make
