"""dmft_grokking on a user's own arrays (docs/theory/grok.md §5.6): X, y, the teacher, the
test set, W0 (and the readouts a0) written here with numpy; hdsim's finite-N simulation
must reproduce a plain numpy gradient-descent loop on the same arrays to 1e-10 over 200
steps, for the standard network (all three algorithms), the trained-readout network and
the linearised network.  Also: a wrong shape is refused naming the model line and the
file, and the files' digests are in the output's provenance."""
import os
import subprocess

import h5py
import numpy as np
import pytest

import hdsim

D, P, PT, N = 12, 40, 30, 16
ALPHA, EPS, ETA0, STEPS = 1.3, 0.4, 0.5, 200


def phi(h):
    return h + 0.5 * EPS * h * h


def dphi(h):
    return 1.0 + EPS * h


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    d = tmp_path_factory.mktemp("grok_arrays")
    rng = np.random.default_rng(2024)
    A = {"X": rng.standard_normal((P, D)) / np.sqrt(D),
         "test_X": rng.standard_normal((PT, D)) / np.sqrt(D),
         "beta": rng.standard_normal(D),
         "W0": 0.9 * rng.standard_normal((N, D)),
         "a0": 1.0 + 0.3 * rng.standard_normal(N)}
    A["y"] = 0.5 * (A["X"] @ A["beta"]) ** 2
    A["test_y"] = 0.5 * (A["test_X"] @ A["beta"]) ** 2
    for k, v in A.items():
        np.save(d / f"{k}.npy", v)
    return d, A


def model(d, name, network, theory, runs=1, n=N):
    text = f"""[model]
problem = dmft_grokking
seed = 3
[data]
D = {D}
P = {P}
test_points = {PT}
X_file = X.npy
y_file = y.npy
beta_file = beta.npy
test_X_file = test_X.npy
test_y_file = test_y.npy
[network]
N = {n}
alpha = {ALPHA}
eps = {EPS}
sigma = 0.9
W0_file = W0.npy
{network}
[optimizer]
eta0 = {ETA0}
[theory]
method = recursion
{theory}
[observables]
kmse = false
[simulation]
runs = {runs}
horizon = {STEPS}
[output]
times = linear(0, {STEPS}, 11)
"""
    path = d / f"{name}.ini"
    path.write_text(text)
    return path


def run(path):
    out = str(path).replace(".ini", ".h5")
    r = subprocess.run([hdsim.binary(), "run", str(path), "-o", out, "--threads", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def numpy_gd(A, kind):
    """Train and test loss at every step of plain GD (the loss has no 1/2; eta = eta0 N /
    alpha^2 on every trained parameter; the predictor centred at W0)."""
    X, y, Xt, yt, W0, a0 = A["X"], A["y"], A["test_X"], A["test_y"], A["W0"], A["a0"]
    eta = ETA0 * N / ALPHA**2
    W, a = W0.copy(), (a0.copy() if kind == "readouts" else np.ones(N))
    Phi0, Phi0t = dphi(X @ W0.T), dphi(Xt @ W0.T)

    def f(W, a, Xs, Phi0s):
        if kind == "linearised":
            return ALPHA / N * np.sum(Phi0s * (Xs @ (W - W0).T), axis=1)
        return ALPHA / N * (phi(Xs @ W.T) @ a)

    f0 = 0 if kind == "linearised" else f(W0, a, X, None)
    f0t = 0 if kind == "linearised" else f(W0, a, Xt, None)
    train, test = [], []
    for k in range(STEPS + 1):
        delta = f(W, a, X, Phi0) - f0 - y
        train.append(np.mean(delta**2))
        test.append(np.mean((f(W, a, Xt, Phi0t) - f0t - yt) ** 2))
        H = X @ W.T
        if kind == "linearised":
            gW = 2 / P * ALPHA / N * (delta[:, None] * Phi0).T @ X
        else:
            gW = 2 / P * ALPHA / N * (delta[:, None] * dphi(H) * a[None, :]).T @ X
        if kind == "readouts":
            a = a - eta * 2 / P * ALPHA / N * (phi(H).T @ delta)
        W = W - eta * gW
    return np.array(train), np.array(test)


CASES = {
    "closure": ("", "", "standard"),
    "neurons": ("algorithm = neurons", "", "standard"),
    "samples": ("algorithm = samples", "", "standard"),
    "readouts": ("model = readouts\na0_file = a0.npy", "particles = 64", "readouts"),
    "linearised": ("model = linearised", "limit = lazy", "linearised"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_simulation_is_numpy_gd(arrays, case):
    d, A = arrays
    network, theory, kind = CASES[case]
    out = run(model(d, case, network, theory))
    train, test = numpy_gd(A, kind)
    with h5py.File(out, "r") as f:
        t = f["simulation/t"][()].astype(int)
        for name, ref in (("train", train), ("test_emp", test)):
            got = f["simulation"][name]["mean"][()]
            err = np.max(np.abs(got - ref[t]) / np.abs(ref[t]))
            assert err < 1e-10, f"{case} {name}: relative difference {err:.3g}"
        # the dynamics did something: the train loss fell by a factor > 3
        assert train[-1] < train[0] / 3


def test_wrong_shape_is_refused_with_the_line(arrays):
    d, A = arrays
    np.save(d / "W0_bad.npy", A["W0"][:, :-1])
    path = model(d, "bad", "W0_file = W0_bad.npy", "")
    text = path.read_text().replace("W0_file = W0.npy\n", "")
    path.write_text(text)
    r = subprocess.run([hdsim.binary(), "check", str(path)], capture_output=True, text=True)
    assert r.returncode == 2
    line = next(i + 1 for i, s in enumerate(text.splitlines()) if s.startswith("W0_file"))
    assert f"bad.ini:{line}" in r.stderr and "W0_bad.npy" in r.stderr, r.stderr


def test_runs_from_one_file_refused(arrays):
    d, _ = arrays
    path = model(d, "runs", "", "", runs=2)
    r = subprocess.run([hdsim.binary(), "check", str(path)], capture_output=True, text=True)
    assert r.returncode == 2 and "runs = 1" in r.stderr, r.stderr


def test_digests_in_provenance(arrays):
    """Every file the model read is in /provenance_inputs with its SHA-256."""
    import hashlib
    d, _ = arrays
    out = run(model(d, "prov", "", ""))
    with h5py.File(out, "r") as f:
        inputs = f.attrs["provenance_inputs"]
        inputs = inputs.decode() if isinstance(inputs, bytes) else str(inputs)
    for name in ("X.npy", "y.npy", "beta.npy", "test_X.npy", "test_y.npy", "W0.npy"):
        digest = hashlib.sha256((d / name).read_bytes()).hexdigest()
        assert any(line.startswith(digest) and line.endswith(name)
                   for line in inputs.splitlines()), f"{name} ({digest}) not in:\n{inputs}"


def test_models_figure(arrays):
    """hdsim.plot.grok_models draws each file's theory and networks on three panels."""
    import matplotlib
    matplotlib.use("Agg")
    import hdsim.plot as hp
    d, _ = arrays
    files = [run(model(d, f"fig_{c}", CASES[c][0], CASES[c][1])) for c in ("closure", "readouts",
                                                                           "linearised")]
    fig = hp.grok_models(files)
    axes = [a for a in fig.axes if a.axison]
    assert len(axes) == 3
    for a in axes:
        labels = [ln.get_label() for ln in a.get_lines() if not ln.get_label().startswith("_")]
        assert len(labels) == 6 and len(set(labels)) == 6, labels


def test_linearised_network_with_exact_moments_is_the_lazy_limit(arrays):
    """A W0 whose mean is 0 and whose second moment is sigma^2 I exactly (sign pairs of
    whitened draws) has the empirical NTK K_N = K0, so the linearised network follows the
    lazy limit (§5.5) to rounding: every observable, every step."""
    d, A = arrays
    rng = np.random.default_rng(7)
    n = 2 * D + 4
    h = n // 2
    B = rng.standard_normal((h, D))
    L = np.linalg.cholesky(B.T @ B / h)
    B = 0.9 * np.linalg.solve(L, B.T).T
    W0 = np.vstack([B, -B])
    assert np.allclose(W0.T @ W0 / n, 0.81 * np.eye(D), atol=1e-13)
    np.save(d / "W0_exact.npy", W0)
    path = model(d, "lazy_exact", "model = linearised", "limit = lazy", n=n)
    path.write_text(path.read_text().replace("W0_file = W0.npy", "W0_file = W0_exact.npy"))
    out = run(path)
    with h5py.File(out, "r") as f:
        for name in ("train", "test_pop", "test_emp", "lin", "mis", "relchange"):
            th, sim = f["theory"][name][()], f["simulation"][name]["mean"][()]
            err = np.max(np.abs(th - sim)[1:] / np.abs(th[1:]))
            assert err < 1e-9, f"{name}: theory and network differ by {err:.3g}"


def test_normal_readouts_finite(arrays):
    """Readouts drawn N(0, 1) (Q0 = 0, Tr Q of either sign): theory and networks run and
    every observable is finite."""
    d, _ = arrays
    path = model(d, "normal", "model = readouts\nreadout_init = normal", "particles = 64",
                 runs=2)
    path.write_text(path.read_text().replace("W0_file = W0.npy\n", ""))
    out = run(path)
    with h5py.File(out, "r") as f:
        for src in ("theory", "simulation"):
            for name, ds in f[src].items():
                v = ds[()] if src == "theory" else ds["mean"][()] if "mean" in ds else None
                if v is not None and v.dtype.kind == "f":
                    assert np.all(np.isfinite(v)), f"{src}/{name} is not finite"


def test_readout_theory_at_small_eps_is_the_linear_closure(arrays):
    """At eps -> 0 both layers move linearly in (w, a), so the N = infinity law closes on
    m = E[a w], M = E[w w^T], s = E[a^2]:
        m+ = m - c (s + M) g + c^2 (g.m) g,  M+ = M - c (m g^T + g m^T) + c^2 s g g^T,
        s+ = s - 2 c g.m + c^2 g^T M g,      g = X^T (alpha X m - y),  c = 2 eta0 / (alpha P)
    from m = 0, M = sigma^2 I, s = 1.  The particle theory's start has these moments
    exactly (sign images, whitening), so at eps = 1e-12 it must follow this recursion to
    rounding (plus O(eps)): a check of the sampled DMFT itself (§5.2)."""
    d, A = arrays
    eps, sigma = 1e-12, 0.9
    path = model(d, "lin_limit", "model = readouts\na0_file = a0.npy", "particles = 64")
    text = path.read_text().replace(f"eps = {EPS}", f"eps = {eps}")
    path.write_text(text.replace("W0_file = W0.npy\n", "").replace("a0_file = a0.npy\n", ""))
    out = run(path)
    X, y, beta = A["X"], A["y"], A["beta"]
    c = 2 * ETA0 / (ALPHA * P)
    m, M, s = np.zeros(D), sigma**2 * np.eye(D), 1.0
    train, test = [], []
    b2 = beta @ beta
    for _ in range(STEPS + 1):
        delta = ALPHA * X @ m - y
        train.append(np.mean(delta**2))
        test.append(0.25 * (b2 / D) ** 2 + b2**2 / (2 * D**2) + ALPHA**2 * (m @ m) / D)
        g = X.T @ delta
        m, M, s = (m - c * (s * g + M @ g) + c**2 * (g @ m) * g,
                   M - c * (np.outer(m, g) + np.outer(g, m)) + c**2 * s * np.outer(g, g),
                   s - 2 * c * (g @ m) + c**2 * (g @ M @ g))
    with h5py.File(out, "r") as f:
        t = f["theory/t"][()].astype(int)
        for name, ref in (("train", np.array(train)), ("test_pop", np.array(test))):
            got = f["theory"][name][()]
            err = np.max(np.abs(got - ref[t]) / np.abs(ref[t]))
            assert err < 1e-9, f"{name}: particle theory vs linear closure {err:.3g}"
    assert train[-1] < 0.7 * train[0]  # a linear network fits the quadratic target partly
