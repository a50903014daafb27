"""gmm_multiclass figures: risk against t per learning rate with Monte Carlo quantile
bands per dimension, and Figure 1 of arXiv 2510.14074 (four such panels).
"""
import os

import matplotlib.pyplot as plt
import numpy as np

from .common import colours, legend, result, time_label

__all__ = ["multiclass", "multiclass_figure1", "MULTICLASS_TITLES"]


def multiclass(res, ax=None, title=None):
    """gmm_multiclass: population risk against t for every learning rate (one colour
    each), the ODE limit (line, from the largest d) and per d the Monte Carlo band between
    the 5 % and 95 % quantiles over runs, darker for larger d.  Draws into ax if given."""
    res = result(res)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6.5, 5), layout="constrained")
    pts = []
    if res.is_sweep:
        base = res.get("sweep/simulation", res.get("sweep/theory"))
        for p in range(base.sizes["point"]):
            lr = float(base["lr"].values[p]) if "lr" in base else res.parameters["optimizer.lr"]
            d = int(base["d"].values[p]) if "d" in base else int(res.parameters["data.d"])
            sub = {k[len(f"points/{p}/"):]: v for k, v in res.items() if k.startswith(f"points/{p}/")}
            pts.append((lr, d, sub))
    else:
        pts.append((float(res.parameters["optimizer.lr"]), int(res.parameters["data.d"]), res))
    lrs = sorted({p[0] for p in pts})
    dims = sorted({p[1] for p in pts})
    cs = dict(zip(lrs, colours(len(lrs))))
    for lr, d, g in pts:
        c = cs[lr]
        sim = g.get("simulation")
        if sim is not None and "risk_runs" in sim:
            t = sim["t"].values
            k = t > 0
            lo, hi = np.nanquantile(sim["risk_runs"].values, [0.05, 0.95], axis=0)
            j = dims.index(d)
            ax.fill_between(t[k], lo[k], hi[k], color=c, lw=0,
                            alpha=0.15 + 0.25 * j / max(1, len(dims) - 1))
        if d == dims[-1] and "theory" in g:
            t = g["theory"]["t"].values
            k = t > 0
            ax.plot(t[k], g["theory"]["risk"].values[k], color=c, lw=1.5, label=f"lr = {lr:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title or f"{res.problem}: {os.path.basename(res.path)}", fontsize=10)
    ax.set_xlabel(time_label(res))
    ax.set_ylabel("population risk")
    legend(ax, len(lrs), title=f"ODE; 90% MC bands, d = {', '.join(map(str, dims))}",
            title_fontsize=7)
    return ax.figure


MULTICLASS_TITLES = ["(a) isotropic, Gaussian mean", "(b) zero-one, mean in clean directions",
                     r"(c) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0",
                     r"(d) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0.5"]


def multiclass_figure1(items):
    """The paper's Figure 1 (four gmm_multiclass sweeps, panels a-d)."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 10), layout="constrained")
    for ax, item, title in zip(axes.ravel(), items, MULTICLASS_TITLES):
        multiclass(item, ax=ax, title=title)
    fig.suptitle("Binary logistic SGD on two-class Gaussian mixtures (Figure 1 of arXiv 2510.14074)")
    return fig
