"""noisy_sgd figures: risk dynamics, the privacy loss of the released iterate, the
privacy-utility trade-off.
"""
import os

import matplotlib.pyplot as plt
import numpy as np

from .common import (colours, legend, result, runs_of, stationary_line, stationary_unlabelled,
                     time_label)

__all__ = ["noisy_risk", "privacy", "frontier"]


def noisy_risk(items, log=False):
    """noisy_sgd: risk against t, one colour per file or sweep point: theory (line), Monte
    Carlo mean +- 1 s.e. (band and markers); for a single file the bias / variance split
    (NS-4'); the theory's t = infinity risk dotted in the curve's colour ("t = ∞": R_inf of
    NS-6, or the fixed point of the clipped ODE NS-12)."""
    runs = runs_of(items if isinstance(items, (list, tuple)) else [items])
    single = len(runs) == 1
    fig, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    cs = colours(len(runs) + (2 if single else 0))
    entries = 0
    for c, (label, g, res) in zip(cs, runs):
        sig = float(g.parameters.get("noise.sigma", float("nan")))
        lab = label if not single else f"sigma = {sig:g}"
        if "theory" in g:
            ax.plot(g["theory"]["t"].values, g["theory"]["risk"].values, color=c,
                    label=f"{lab}: theory")
            entries += 1
        if "simulation" in g:
            s = g["simulation"]
            t, m, e = s["t"].values, s["risk"].values, s["risk_stderr"].values
            ax.fill_between(t, m - e, m + e, color=c, alpha=0.25, lw=0)
            ax.plot(t, m, "o", ms=2.5, color=c, label=f"{lab}: Monte Carlo mean ± s.e.")
            entries += 1
        if single and "risk_parts" in g and "bias" in g["risk_parts"]:
            rp = g["risk_parts"]
            ax.plot(rp["t"].values, rp["bias"].values, "--", color=cs[-2], label="bias R_b (NS-4')")
            ax.plot(rp["t"].values, rp["variance"].values, ":", color=cs[-1],
                    label="variance part (NS-4')")
            entries += 2
        rinf = g.stationary_value("risk")
        if rinf is None and "risk_parts" in g:
            rinf = float(g["risk_parts"].attrs.get("stationary_risk", np.nan))
        entries += stationary_line(ax, rinf, c, label=stationary_unlabelled(ax))
    first = runs[0][2]
    ax.set_xlabel(time_label(first))
    ax.set_ylabel("population risk")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    legend(ax, entries)
    ax.set_title("noisy SGD: risk dynamics")
    return fig


def privacy(res):
    """noisy_sgd privacy: eps_alpha(t), the Renyi privacy loss of the iterate released at
    time t, per order (exact O(d) formula NS-10 solid, d -> infinity formula NS-11 dashed);
    accountant curves of the clipped variant dotted and labelled so; +inf drawn as
    triangles (a row per order) on a top band marked '+inf'; the pair's residual profiles; the (eps,
    delta)-DP curve."""
    res = result(res)
    if "privacy" not in res:
        raise ValueError(f"{res.path}: no /privacy group ([privacy] enabled = false)")
    g = res["privacy"]
    t, orders = g["t"].values, g["orders"].values
    ex, sp = g["eps_exact"].values, g["eps_spectral"].values
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.6), layout="constrained")
    ax = axes[0]
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (ex.ravel(), sp.ravel())]
                            + [[1e-12]])
    top = 3 * finite.max()
    cs = colours(len(orders))
    entries, n_inf = 0, 0
    clip = g.attrs.get("accountant_clip", None)
    for c, (k, a) in zip(cs, enumerate(orders)):
        lab = "KL (α = 1)" if a == 1 else f"α = {a:g}"
        for arr, ls, what in ((ex, "-", "exact, NS-10"), (sp, "--", "d → ∞, NS-11")):
            y = arr[k]
            if np.all(np.isnan(y)):
                continue
            inf = np.isinf(y)
            note = f", +∞ from t = {t[inf][0]:g}" if inf.any() else ""
            ax.plot(t[~inf], y[~inf], ls, color=c, label=f"{lab} ({what}{note})")
            entries += 1
            if inf.any():
                # one row of triangles per order (exact above spectral) so none hides another
                row = top * 1.4 ** n_inf
                n_inf += 1
                ax.plot(t[inf], np.full(inf.sum(), row), "^" if ls == "-" else "v", color=c,
                        ms=5)
        for name, ls, what in (("accountant_composition", ":", "composition"),
                               ("accountant_ye_shokri", "-.", "Ye-Shokri")):
            if name in g and a > 1:
                ax.plot(t, g[name].values[k], ls, color=c, lw=0.9,
                        label=f"{lab}: clipped variant, {what} accountant"
                              + (f" (c = {clip:g})" if clip is not None else ""))
                entries += 1
    ax.set_yscale("log")
    if n_inf:
        # +inf cannot sit on a log axis: a band above every finite value, with room for
        # its note above the triangles
        ax.axhline(top / 1.2, color="0.6", lw=0.5)
        ax.set_ylim(top=top * 1.4 ** n_inf * 6)
        ax.annotate("+∞ (Σ_α not positive definite): ▲ exact, ▼ d → ∞",
                    (0.01, top * 1.4 ** n_inf * 1.3), xycoords=("axes fraction", "data"),
                    fontsize=7, va="bottom")
    ax.set_xlabel(f"release time {time_label(res)}")
    ax.set_ylabel("ε_α(t): loss of the iterate released at t")
    alpha_max = g.attrs.get("alpha_max", np.nan)
    title = f"records ({int(g.attrs['record_1'])}, {int(g.attrs['record_2'])})"
    if np.isfinite(alpha_max):
        title += f", α_max = {alpha_max:.3g}"
    ax.set_title(title, fontsize=10)
    legend(ax, entries)
    ax = axes[1]
    c2 = colours(2)
    ax.plot(g["s"].values, g["r1"].values, color=c2[0], label="r_1(s) (record in D)")
    ax.plot(g["s"].values, g["r2"].values, color=c2[1], label="r_2(s) (record in D')")
    ax.set_xlabel("processing time s")
    ax.set_ylabel("residual at the mean iterate")
    ax.set_title("the pair's residual profiles", fontsize=10)
    legend(ax, 2)
    ax = axes[2]
    dp = g["eps_dp"].values
    ok = np.isfinite(dp)
    ax.plot(t[ok], dp[ok], color=c2[0], label="min over orders > 1")
    ax.set_xlabel(f"release time {time_label(res)}")
    ax.set_ylabel("ε of (ε, δ)-DP")
    delta = float(g.attrs.get("delta", np.nan))
    ax.set_title(f"(ε, δ{f' = {delta:g}' if np.isfinite(delta) else ''})-DP of the iterate "
                 "released at t", fontsize=10)
    legend(ax, 1)
    fig.suptitle(f"noisy SGD privacy loss: {os.path.basename(res.path)}")
    return fig


def frontier(items, order=2.0):
    """noisy_sgd privacy-utility curve: final risk R(T) against eps_order(T) over files or
    sweep points, each labelled by its noise sigma."""
    pts = []
    for label, g, res in runs_of(items if isinstance(items, (list, tuple)) else [items]):
        pr = g["privacy"]
        orders = list(pr["orders"].values)
        if order not in orders:
            raise ValueError(f"{label}: order {order} not computed (have {orders})")
        k = orders.index(order)
        eps = pr["eps_exact"].values[k][-1]
        if np.isnan(eps):
            eps = pr["eps_spectral"].values[k][-1]
        sigma = g.parameters.get("noise.sigma", np.nan)
        pts.append((float(sigma), eps, g["theory"]["risk"].values[-1]))
    pts.sort()
    fig, ax = plt.subplots(figsize=(6, 4.6), layout="constrained")
    ax.plot([p[1] for p in pts], [p[2] for p in pts], "o-", label="theory")
    for s, x, y in pts:
        ax.annotate(f"σ = {s:g}", (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel(f"ε_{order:g}(T)" if order != 1 else "KL bound at T")
    ax.set_ylabel("risk R(T)")
    ax.set_title("privacy-utility trade-off")
    return fig
