#!/usr/bin/python3
"""The peers' own configurations, now given to hdsim as arrays, against independent numpy
references on the same arrays.  Usage: validation/arrays_peers.py [HDSIM] [WORKDIR]

noisy_sgd   Lin et al.'s experiment (models/noisy_paper.ini): their x0 ~ N(0, 4 I) and
            small target x~ ~ U(0, 1/sqrt d) from numpy's legacy seed 2, mapped to hdsim
            units (theta = x / sqrt(12 d), noisy_sgd_privacy mapping), label noise
            clipped at 3 s.d.  Reference: a numpy Monte Carlo of the paper's loop
            (one pass, U(0, 1/sqrt d) features, injected noise, ridge) from the same x0.
sam         USAM on a d = 20 quadratic with x0 ~ N(0, I): the start from a file (full
            precision) and as the largest inline list that fits a 199-character line.
            Reference: numpy's exact second-moment recursion U1-U3.
noisy_data  the same experiment on the authors' own data matrix A and labels b (their
            seed-2 draws, in their units: rows U(0, 1/sqrt d), step gamma_p = lr / d),
            given as data_file / labels_file: hdsim's Monte Carlo against the authors'
            loop over the same rows (sigma = 0: path for path; sigma = 1.5: 64 runs each),
            and the model theory (their Sigma = I / 12d) beside the empirical one.
multiclass  AdaGrad-Norm least squares with a unit-norm teacher (teacher_file), against a
            numpy Monte Carlo of one-pass AdaGrad-Norm SGD on the same teacher.
Prints one line per comparison."""
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HDSIM = sys.argv[1] if len(sys.argv) > 1 else "build/hdsim"
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="arrays_peers_")
os.makedirs(WORK, exist_ok=True)


def run(name, text):
    path = os.path.join(WORK, name + ".ini")
    with open(path, "w") as f:
        f.write(text)
    out = os.path.join(WORK, name + ".h5")
    subprocess.run([HDSIM, "run", path, "-o", out, "--quiet"], check=True)
    return h5py.File(out, "r")


def noisy():
    d, n = 1000, 1500
    np.random.seed(2)  # the authors' parameter_setup.py, in its order
    xtilde = np.random.uniform(0, 1 / np.sqrt(d), size=d)
    x0 = np.random.normal(0, 2, size=d)
    scale = 1 / math.sqrt(12 * d)  # theta_hd = x_paper / sqrt(12 d)
    np.save(os.path.join(WORK, "noisy_x0.npy"), x0 * scale)
    np.save(os.path.join(WORK, "noisy_target.npy"), xtilde * scale)
    print(f"noisy: |x0|^2 / 12d = {x0 @ x0 / (12 * d):.4f} (hdsim's own draw in the issue: 0.3306)")
    model = open("models/noisy_paper.ini").read()
    model = model.replace("target       = zero", "target       = file\ntarget_file  = noisy_target.npy\n"
                          "label_noise_clip = 3")
    model = model.replace("init       = fixed", "init       = file\ninit_file  = noisy_x0.npy")
    model = model.replace("enabled    = true", "enabled    = false")
    model = model.replace("runs    = 16", "runs    = 64")
    f = run("noisy_peer", model)
    t = f["/theory/t"][:]
    steps = np.rint(t * d).astype(int)
    sim = f["/simulation/distance/mean"][:]
    sim_se = f["/simulation/distance/stderr"][:]
    rec = run("noisy_peer_rec", model.replace("[simulation]", "[theory]\nmethod = recursion\n"
                                              "[simulation]"))
    theories = {"ode": f["/theory/distance"][:], "recursion": rec["/theory/distance"][:]}
    m = t > 0
    # numpy reference in the paper's units: one pass over n fresh records; two
    # independent streams of 200 runs (one stream alone has shown a 3.7 s.e. point)
    gamma_p, delta_p, sig_p, s2 = 0.05, 0.10, 1.0, 0.01 / d
    R = 200
    for seed in (7, 8):
        rng = np.random.default_rng(seed)
        x = np.tile(x0, (R, 1))
        out = np.empty((len(t), R))
        k = 0
        for step in range(n + 1):
            while k < len(steps) and steps[k] == step:
                out[k] = np.sum((x - xtilde) ** 2, axis=1) * scale**2
                k += 1
            if step == n:
                break
            a = rng.uniform(0, 1 / np.sqrt(d), size=(R, d))
            xi = np.clip(rng.normal(0, np.sqrt(s2), R), -3 * np.sqrt(s2), 3 * np.sqrt(s2))
            b = a @ xtilde + xi
            r = np.einsum("rd,rd->r", a, x) - b
            g = r[:, None] * a + delta_p * x
            x = x - gamma_p * (g + sig_p * rng.normal(0, 1, (R, d)))
        mean, se = out.mean(axis=1), out.std(axis=1, ddof=1) / math.sqrt(R)
        for method, th in theories.items():
            if seed == 7:
                print(f"noisy ({method}): t = 0 distance hdsim theory {th[0]:.10g}, simulation "
                      f"{sim[0]:.10g}, numpy {mean[0]:.10g} (relative {abs(th[0] / mean[0] - 1):.1e})")
            print(f"noisy ({method}, numpy stream {seed}): distance(t), hdsim theory vs numpy Monte "
                  f"Carlo ({R} runs): max relative {np.max(np.abs(th[m] / mean[m] - 1)):.2e}, max "
                  f"|diff| / s.e. {np.max(np.abs(th[m] - mean[m]) / se[m]):.2f}")
        both = np.sqrt(se**2 + sim_se**2)
        print(f"noisy (numpy stream {seed}): hdsim simulation vs numpy Monte Carlo: max relative "
              f"{np.max(np.abs(sim[m] / mean[m] - 1)):.2e}, max |diff| / s.e. "
              f"{np.max(np.abs(sim[m] - mean[m]) / both[m]):.2f}")


def noisy_data():
    d, n = 1000, 1500
    gamma_p, delta_p, s2 = 0.05, 0.10, 0.01 / d
    np.random.seed(2)  # the authors' parameter_setup.py, in its order
    xtilde = np.random.uniform(0, 1 / np.sqrt(d), size=d)
    x0 = np.random.normal(0, 2, size=d)
    A = np.random.uniform(0, np.sqrt(1 / d), size=(n, d))
    xi = np.clip(np.random.normal(0, np.sqrt(s2), size=n), -3 * np.sqrt(s2), 3 * np.sqrt(s2))
    b = A @ xtilde + xi
    for name, v in (("A", A), ("b", b), ("x0", x0), ("xtilde", xtilde)):
        np.save(os.path.join(WORK, f"peer_{name}.npy"), v)
    np.savetxt(os.path.join(WORK, "peer_lambda.txt"), np.full(d, 1 / (12 * d)), fmt="%.17g")

    def model(sigma, runs, theory):
        keys = ("data_theory = model\nspectrum = file\nspectrum_file = peer_lambda.txt\n"
                "target = file\ntarget_file = peer_xtilde.npy\n"
                f"label_noise = {math.sqrt(s2)!r}\n") if theory == "model" else ""
        return f"""[model]
problem = noisy_sgd
seed = 3
[data]
d = {d}
data_file = peer_A.npy
labels_file = peer_b.npy
{keys}[optimizer]
lr = {gamma_p * d!r}
ridge = {delta_p!r}
init = file
init_file = peer_x0.npy
[noise]
sigma = {sigma!r}
[simulation]
runs = {runs}
horizon = 1.5
[output]
times = log(0.001, 1.5, 30)
"""

    Sigma_d = 1 / (12 * d)

    def peer_loop(sigma, R, seed):
        """run_SGD_get_risk of the authors' run_risk.py, R runs at once; P at the times"""
        rng = np.random.default_rng(seed)
        x = np.tile(x0, (R, 1))
        out = np.empty((len(steps), R))
        k = 0
        for step in range(n + 1):
            while k < len(steps) and steps[k] == step:
                out[k] = 0.5 * Sigma_d * np.sum((x - xtilde) ** 2, axis=1) + 0.5 * s2
                k += 1
            if step == n:
                break
            r = x @ A[step] - b[step]
            grad = r[:, None] * A[step][None, :] + delta_p * x
            noise = sigma * rng.normal(0, 1, (R, d)) if sigma else 0.0
            x = x - gamma_p * (grad + noise)
        return out

    f0 = run("peer_data_sigma0", model(0.0, 1, "model"))
    t = f0["/theory/t"][:]
    steps = np.rint(t * d).astype(int)
    ref0 = peer_loop(0.0, 1, 0)[:, 0]
    sim0 = f0["/simulation/risk/mean"][:]
    print(f"noisy_data (sigma = 0): hdsim Monte Carlo over the authors' rows vs their loop: "
          f"max relative {np.max(np.abs(sim0 / ref0 - 1)):.1e}")
    R = 64
    fm = run("peer_data_model", model(1.5, R, "model"))
    fe = run("peer_data_empirical", model(1.5, R, "empirical"))
    ref = peer_loop(1.5, R, 11)
    mean, se = ref.mean(axis=1), ref.std(axis=1, ddof=1) / math.sqrt(R)
    sim, sim_se = fm["/simulation/risk/mean"][:], fm["/simulation/risk/stderr"][:]
    m = t > 0
    print(f"noisy_data (sigma = 1.5, {R} runs each): hdsim Monte Carlo vs the authors' loop: max "
          f"relative {np.max(np.abs(sim[m] / mean[m] - 1)):.2e}, max |diff| / s.e. "
          f"{np.max(np.abs(sim[m] - mean[m]) / np.sqrt(se[m]**2 + sim_se[m]**2)):.2f}")
    th = fm["/theory/risk"][:]
    print(f"noisy_data: model theory (Sigma = I/12d) vs the authors' Monte Carlo: max relative "
          f"{np.max(np.abs(th[m] / mean[m] - 1)):.2e}, at t = 1.5 {th[-1]:.6g} vs {mean[-1]:.6g} "
          f"+- {se[-1]:.2g}")
    ds = fe["/data_set"]
    emp = fe["/simulation/risk/mean"][:]
    the = fe["/theory/risk"][:]
    print(f"noisy_data: empirical theory (lambda_max {ds['lambda'][0]:.4g}, the rows' mean "
          f"direction; tr K {ds.attrs['trace_K']:.4g} vs {d * Sigma_d:.4g}) vs its Monte Carlo "
          f"(the empirical risk, f = {ds.attrs['visited_fraction']:.2g}): max relative "
          f"{np.max(np.abs(the[m] / emp[m] - 1)):.2e}, at t = 1.5 {the[-1]:.6g} vs {emp[-1]:.6g}")


def sam():
    d = 20
    rng = np.random.default_rng(3)
    x0 = rng.normal(0, 1, d)
    lam = np.sort(np.linalg.eigvalsh((lambda A: A @ A.T / 40)(rng.normal(0, 1, (d, 40)))))[::-1]
    np.savetxt(os.path.join(WORK, "sam_h.txt"), lam, fmt="%.17g")
    np.save(os.path.join(WORK, "sam_x0.npy"), x0)
    # the longest inline x0 that fits: "x0 = " + 20 values
    for digits in range(17, 0, -1):
        line = "x0 = " + ", ".join(f"{v:.{digits}g}" for v in x0)
        if len(line) <= 199:
            break
    eta, rho, sigma, T = 0.01, 0.1, 0.01, 50
    base = f"""[model]
problem = sam_quadratic
seed = 1
[quadratic]
spectrum = file
eigenvalues_file = sam_h.txt
noise_std = {sigma}
{{start}}
[optimizer]
algorithm = usam
lr = {eta}
rho = {rho}
[simulation]
runs = 2
horizon = {T}
[theory]
method = recursion
[output]
times = linear(0, {T}, 51)
"""
    full = run("sam_file", base.replace("{start}", "x0_file = sam_x0.npy"))["/theory/loss"][:]
    inl = run("sam_inline", base.replace("{start}", line))["/theory/loss"][:]
    # numpy: U1-U3, m2_i(k+1) = a_i^2 m2_i(k) + eta^2 (1 + rho lam_i)^2 sigma^2
    a = 1 - eta * (lam + rho * lam**2)
    c = eta**2 * (1 + rho * lam) ** 2 * sigma**2
    ks = np.rint(np.linspace(0, T, 51) / eta).astype(int)
    m2 = x0**2
    ref = np.empty(len(ks))
    k = 0
    for step in range(ks[-1] + 1):
        while k < len(ks) and ks[k] == step:
            ref[k] = 0.5 * lam @ m2
            k += 1
        m2 = a * a * m2 + c
    print(f"sam: inline x0 fits at {digits} significant digits ({len(line)} characters)")
    print(f"sam: loss(t), x0_file vs numpy exact: max relative {np.max(np.abs(full / ref - 1)):.1e}; "
          f"inline-rounded vs numpy: max relative {np.max(np.abs(inl / ref - 1)):.1e}, "
          f"max absolute {np.max(np.abs(inl - ref)):.1e}")


def multiclass():
    d, R, T = 500, 40, 4
    rng = np.random.default_rng(4)
    teacher = rng.normal(0, 1, d)
    teacher /= np.linalg.norm(teacher)
    np.save(os.path.join(WORK, "teacher.npy"), teacher)
    lr, b, sigma = 1.0, 0.5, 0.1
    f = run("multiclass_peer", f"""[model]
problem = gmm_multiclass
seed = 3
[data]
d = {d}
classes = 1
means = zero
teacher = file
teacher_file = teacher.npy
teacher_norm = 1
label_noise = {sigma}
[loss]
kind = least_squares
labels = 0
[optimizer]
lr = {lr}
adaptive = adagrad_norm
adagrad_b = {b}
[simulation]
runs = 8
horizon = {T}
[output]
times = log(0.01, {T}, 20)
""")
    t = f["/theory/t"][:]
    th = f["/theory/risk"][:]
    steps = np.rint(t * d).astype(int)
    X = np.zeros((R, d))
    G = np.zeros(R)
    out = np.empty((len(t), R))
    k = 0
    for step in range(steps[-1] + 1):
        while k < len(steps) and steps[k] == step:
            e = X - teacher
            out[k] = 0.5 * (np.sum(e * e, axis=1) + sigma**2)
            k += 1
        z = rng.normal(0, 1, (R, d))
        y = z @ teacher + rng.normal(0, sigma, R)
        r = np.einsum("rd,rd->r", z, X) - y
        g = r[:, None] * z
        gamma = lr / np.sqrt(b * b + G)
        G += np.sum(g * g, axis=1) / d**2
        X -= (gamma / d)[:, None] * g
    mean, se = out.mean(axis=1), out.std(axis=1, ddof=1) / math.sqrt(R)
    m = t > 0
    print(f"multiclass: risk(t), hdsim theory (teacher_norm = 1) vs numpy Monte Carlo ({R} "
          f"runs, d = {d}): max relative {np.max(np.abs(th[m] / mean[m] - 1)):.2e}, max |diff| / "
          f"s.e. {np.max(np.abs(th[m] - mean[m]) / se[m]):.2f}; t = 0: {th[0]:.10g} vs "
          f"{mean[0]:.10g}")


if __name__ == "__main__":
    noisy()
    noisy_data()
    sam()
    multiclass()
