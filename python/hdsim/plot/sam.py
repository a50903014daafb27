"""SAM-family figures (sam_streaming, sam_quadratic; docs/theory/sam.md): the
high-dimensional risk curves, the saddle escape, and the weak error of the SDEs.
"""
import csv
import os

import matplotlib.pyplot as plt
import numpy as np

from .common import (colours, legend, result, stationary_line, stationary_unlabelled,
                     time_label)

__all__ = ["sam_streaming", "sam_saddle", "sam_weak_error"]


def sam_streaming(items):
    """sam_streaming: risk and effective step, theory (ODE H4-H8; dotted when the
    truncated form) against the Monte Carlo mean +- s.e., one colour per file; the ODE's
    t = infinity values (its stable fixed point) as a line in the file's colour
    ("t = ∞", dash-dotted where the truncated ODE is dotted)."""
    items = items if isinstance(items, (list, tuple)) else [items]
    results = [result(x) for x in items]
    cs = colours(len(results))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    axes[0].set_yscale("log")
    n_inf = [0, 0]
    for c, res in zip(cs, results):
        p = res.parameters
        alg = str(p.get("optimizer.algorithm", "?"))
        trunc = str(p.get("sde.form", "")) == "truncated"
        lab = alg + (f" ρ̄={float(p['optimizer.rho_bar']):g}" if alg != "sgd" else "")
        lab += " (truncated)" if trunc else ""
        for ax, name in zip(axes, ("risk", "effective_lr")):
            th, sim = res.get("theory"), res.get("simulation")
            if th is not None and name in th:
                t, y = th["t"].values, th[name].values
                k = (t > 0) & np.isfinite(y)
                ax.plot(t[k], y[k], color=c, lw=1.4, ls=":" if trunc else "-", label=f"{lab}: ODE")
                n_inf[name != "risk"] += stationary_line(ax, res.stationary_value(name), c,
                                                         label=stationary_unlabelled(ax),
                                                         ls="-." if trunc else ":")
            if sim is not None and name in sim:
                t = sim["t"].values
                k = t > 0
                ax.errorbar(t[k], sim[name].values[k], yerr=sim[f"{name}_stderr"].values[k],
                            color=c, fmt="o", ms=3, capsize=1.5,
                            label=f"{lab}: Monte Carlo, d = {int(p['data.d'])}")
    axes[0].set_xscale("log")
    axes[0].set_ylabel("risk R = v/2")
    axes[1].set_xscale("log")
    axes[1].set_ylabel("effective step γ A(v, G)")
    for ax, title in zip(axes, ("risk", "effective step")):
        ax.set_xlabel(time_label(results[0]))
        ax.set_title(title, fontsize=10)
        legend(ax, 2 * len(results) + n_inf[ax is axes[1]])
    fig.suptitle("SAM family in high dimension: theory against the algorithms")
    return fig


def sam_saddle(items, direction=None):
    """Saddle escape (docs/theory/sam.md §3.7): |x_-| along a negative-curvature direction
    I for sam_quadratic files run with [sde] per_direction = true, one colour per file.
    Faint: individual runs sqrt(m2_I); thick: sqrt of the Monte Carlo mean of m2_I;
    dashed: the theory (the exact recursion) where the file has one; dotted black: the
    escape threshold |x_-| = 1.  Each file's label gives the algorithm, rho and how many
    runs escaped (median step).  I defaults to the most negative eigenvalue."""
    results = [result(x) for x in (items if isinstance(items, (list, tuple)) else [items])]
    cs = colours(len(results))
    fig, ax = plt.subplots(figsize=(8, 5.5), layout="constrained")
    entries, lam0 = 1, None
    for c, res in zip(cs, results):
        p = res.parameters
        lam = np.atleast_1d(p.get("quadratic.eigenvalues", [])).astype(float)
        if direction is None and lam.size == 0:
            raise ValueError(f"{res.path}: H is not given as a list; choose a direction")
        lam0 = lam if lam0 is None else lam0
        i = direction if direction is not None else int(np.argmin(lam))
        name = f"m2_{i}"
        sim = res.get("simulation")
        if sim is None or f"{name}_runs" not in sim:
            raise ValueError(f"{res.path}: no {name}; run with [sde] per_direction = true")
        lab = f"{p['optimizer.algorithm']} ρ = {float(p['optimizer.rho']):g}"
        t, runs = sim["t"].values, sim[f"{name}_runs"].values
        hit = runs > 1.0  # escape: |x_-| > 1
        esc = hit.any(axis=1)
        if esc.any():
            steps = sim["steps"].values[np.argmax(hit[esc], axis=1)]
            lab += f" [escaped {esc.sum()}/{len(runs)}, median step {np.median(steps):.0f}]"
        else:
            lab += f" [escaped 0/{len(runs)}]"
        for r in runs[:30]:
            ax.plot(t[1:], np.sqrt(r[1:]), color=c, alpha=0.15, lw=0.6)
        with np.errstate(invalid="ignore"):
            ax.plot(t[1:], np.sqrt(np.nanmean(runs, axis=0))[1:], color=c, lw=1.6,
                    label=f"{lab}: √(mean x²), Monte Carlo")
        entries += 1
        th = res.get("theory")
        if th is not None and name in th:
            ax.plot(th["t"].values[1:], np.sqrt(th[name].values[1:]), color=c, lw=1.2, ls="--",
                    label=f"{lab}: {th.attrs.get('method', 'theory')}")
            entries += 1
    ax.axhline(1.0, color="black", lw=0.8, ls=":", label="escape |x₋| = 1")
    ax.set_yscale("log")
    ax.set_xlabel(time_label(results[0]))
    ax.set_ylabel("|x₋| along the negative-curvature direction")
    ax.set_title(f"saddle, λ = ({', '.join(f'{x:g}' for x in lam0)})", fontsize=10)
    legend(ax, entries)
    fig.suptitle("SAM family at a saddle: escape or trapping")
    return fig


def _read_csv(path):
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["comparison"], []).append(
                {k: (v if k == "comparison" else float(v)) for k, v in r.items()})
    return rows


def sam_weak_error(directory):
    """Weak error of the SAM-family SDEs (docs/theory/sam.md §3.4, §5.2) from the CSV
    files the validation program writes (build/tests/sam_weak_error DIR; reference in
    data/sam_weak_error).  Left: max_k |E f(x_k) - E f(X_{k eta})| against eta with
    rho = sqrt(eta), log-log, fitted slopes in the legend (USAM: exact closed forms;
    DNSAM: coupled Monte Carlo with its standard error as error bars).  Right (if
    DIR/rho_sweep.csv exists): the authors' metric max_k |g_alg - g_SDE| / mean_k |g_alg|,
    g = ||x|| + ||grad f||, against rho, with lines at rho = eta and rho = sqrt(eta)."""
    sweep = os.path.join(directory, "rho_sweep.csv")
    n = 2 if os.path.exists(sweep) else 1
    fig, axes = plt.subplots(1, n, figsize=(6.5 * n, 5.2), squeeze=False, layout="constrained")
    ax = axes[0, 0]
    groups = _read_csv(os.path.join(directory, "weak_error.csv"))
    for c, (name, rows) in zip(colours(len(groups)), groups.items()):
        eta = np.array([r["eta"] for r in rows])
        err = np.array([r["error"] for r in rows])
        se = np.array([r["stderr"] for r in rows])
        slope = np.polyfit(np.log(eta), np.log(err), 1)[0]
        ax.errorbar(eta, err, yerr=se if se.any() else None, marker="o", ms=4, capsize=2,
                    color=c, ls="--" if "S1a" in name else "-",
                    label=f"{name} (slope {slope:.2f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate η  (ρ = √η)")
    ax.set_ylabel("max_k |E f(x_k) − E f(X_kη)|")
    ax.set_title("weak error, H = diag(1, .5, .1), Σ = .01 I, T = 5", fontsize=10)
    legend(ax, len(groups))
    if n == 2:
        ax = axes[0, 1]
        groups = _read_csv(sweep)
        cs = colours(len(groups))
        for c, (name, rows) in zip(cs, groups.items()):
            rho = np.array([r["rho"] for r in rows])
            err = np.array([r["error"] for r in rows])
            if len(rows) == 1:
                ax.axhline(err[0], color=c, lw=1, ls=":", label=f"{name} (no ρ)")
            else:
                ax.plot(rho, err, marker="o", ms=4, color=c, label=name)
        eta = 0.01
        for x, lab, ls in ((eta, "ρ = η", "--"), (np.sqrt(eta), "ρ = √η", "-.")):
            ax.axvline(x, color="black", ls=ls, lw=0.8, label=lab)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("ρ")
        ax.set_ylabel("max_k |ḡ_alg − ḡ_SDE| / mean_k |ḡ_alg|")
        ax.set_title("authors' metric, quadratic d = 20, η = .01 (EM h = η/4)", fontsize=10)
        legend(ax, len(groups) + 2)
    fig.suptitle("SAM-family SDEs: weak error against the algorithms")
    return fig
