"""sam_quadratic with H given in a user's basis (docs/theory/sam.md §1.2): eigenvalues
lambda, a random orthonormal U (written here with numpy), x0 and the noise covariance in
the user's coordinates.  Against the same model written in H's eigenbasis (x0~ = U^T x0,
Sigma~ = U^T Sigma U):

  1. the theory's observables are unchanged: the exact moment recursion (U1-U2) to 1e-12
     (relative), the moment ODE (O1-O2) to 1e-10 (CVODE's adaptive steps see inputs that
     differ by rounding, and its step choice amplifies that to ~1e-13 .. 1e-12);
  2. the simulation runs in the user's coordinates with the noise U S~ xi, the eigenbasis
     noise of the same draws rotated, so every path is the eigenbasis path rotated: the
     Monte Carlo means agree to 1e-12 for every algorithm (sgd, usam, dnsam, sam);
  3. the Monte Carlo t = 0 observables equal those computed here from the files (1e-12);
  4. a U that is not orthonormal is refused naming the model line and the file."""
import subprocess

import h5py
import numpy as np
import pytest

import hdsim

D = 6
LAM = np.array([2.0, 1.5, 1.0, 0.6, 0.3, -0.1])  # one negative eigenvalue: a saddle
OBS = ["loss", "sq_norm", "grad_sq"] + [f"m2_{i}" for i in range(D)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("sam_eigenvectors")
    rng = np.random.default_rng(5)
    U = np.linalg.qr(rng.standard_normal((D, D)))[0]
    x0 = rng.standard_normal(D)
    M = rng.standard_normal((D, D))
    S_eig = 0.01 * (M @ M.T / D + 0.5 * np.eye(D))
    np.save(d / "U.npy", U)
    np.save(d / "x0_eig.npy", x0)
    np.save(d / "x0_user.npy", U @ x0)
    np.savetxt(d / "sigma_eig.txt", S_eig.reshape(-1))
    np.savetxt(d / "sigma_user.txt", (U @ S_eig @ U.T).reshape(-1))
    np.save(d / "skew.npy", U + 1e-6 * rng.standard_normal((D, D)))
    return d, U, x0


def run(d, name, keys, method, algorithm, ok=True):
    text = f"""[model]
problem = sam_quadratic
seed = 3
[quadratic]
spectrum = list
eigenvalues = {", ".join(repr(v) for v in LAM)}
{keys}
[optimizer]
algorithm = {algorithm}
lr = 0.05
rho = {0 if algorithm == "sgd" else 0.1}
[sde]
per_direction = true
[simulation]
runs = 4
horizon = 3
[theory]
method = {method}
[output]
times = linear(0, 3, 7)
"""
    path = d / f"{name}.ini"
    path.write_text(text)
    out = d / f"{name}.h5"
    r = subprocess.run([hdsim.binary(), "run", str(path), "-o", str(out), "--threads", "1",
                        "--quiet"], capture_output=True, text=True)
    if ok:
        assert r.returncode == 0, r.stderr
    return out, r


EIG = "x0_file = x0_eig.npy\nnoise_file = sigma_eig.txt"
USER = "eigenvectors = U.npy\nx0_file = x0_user.npy\nnoise_file = sigma_user.txt"


def rel(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))


@pytest.mark.parametrize("method,algorithm,theory_tol", [
    ("recursion", "usam", 1e-12), ("recursion", "sgd", 1e-12), ("ode", "usam", 1e-10),
    ("none", "dnsam", None), ("none", "sam", None)])
def test_rotation_leaves_observables(files, method, algorithm, theory_tol):
    d, U, x0 = files
    a, _ = run(d, f"eig_{method}_{algorithm}", EIG, method, algorithm)
    b, _ = run(d, f"user_{method}_{algorithm}", USER, method, algorithm)
    H = U @ np.diag(LAM) @ U.T
    xu = U @ x0
    at0 = {"loss": 0.5 * xu @ H @ xu, "sq_norm": xu @ xu, "grad_sq": np.sum((H @ xu) ** 2)}
    at0.update({f"m2_{i}": (U[:, i] @ xu) ** 2 for i in range(D)})
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for o in OBS:
            if theory_tol:
                assert rel(fa[f"theory/{o}"][()], fb[f"theory/{o}"][()]) < theory_tol, o
            assert rel(fa[f"simulation/{o}/mean"][()], fb[f"simulation/{o}/mean"][()]) < 1e-12, o
            assert abs(fb[f"simulation/{o}/mean"][0] / at0[o] - 1) < 1e-12, o
            if theory_tol:
                assert abs(fb[f"theory/{o}"][0] / at0[o] - 1) < 1e-12, o
        inputs = fb.attrs["provenance_inputs"]
        inputs = inputs.decode() if isinstance(inputs, bytes) else inputs
        assert "U.npy" in inputs and "x0_user.npy" in inputs


def test_not_orthonormal_refused(files):
    d, _, _ = files
    _, r = run(d, "skew", USER.replace("U.npy", "skew.npy"), "recursion", "usam", ok=False)
    assert r.returncode == 2
    assert "skew.ini:7:" in r.stderr and "skew.npy" in r.stderr and "orthonormal" in r.stderr
