"""glm figures: single-index models whose target and loss are formulas.
"""
import matplotlib.pyplot as plt
import numpy as np

from .common import (colours, legend, result, stationary_line, stationary_unlabelled,
                     time_label)

__all__ = ["glm"]


def _label(res):
    p = res.parameters
    loss = str(p.get("glm.loss", "?"))
    return loss if len(loss) <= 34 else loss[:31] + "..."


def glm(items):
    """glm: risk, the metric (when the model has one) and the teacher cosine m / sqrt(q p):
    the ODE (E1-E2) as lines against the Monte Carlo mean +- s.e., one colour per file,
    labelled by its loss; the ODE's t = infinity values dotted ("t = ∞") where found."""
    items = items if isinstance(items, (list, tuple)) else [items]
    results = [result(x) for x in items]
    names = ["risk"]
    if any("metric" in (r.get("theory") or r.get("simulation") or {}) for r in results):
        names.append("metric")
    names.append("cosine")
    cs = colours(len(results))
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names) + 1, 5.0),
                             layout="constrained")
    for ax, name in zip(axes, names):
        if name == "risk":
            ax.set_yscale("log")
    n_inf = [0] * len(names)
    for c, res in zip(cs, results):
        lab = _label(res)
        d = int(res.parameters["data.d"])
        th, sim = res.get("theory"), res.get("simulation")
        for ax, name in zip(axes, names):
            if th is not None and name in th:
                t, y = th["t"].values, th[name].values
                k = (t > 0) & np.isfinite(y)
                ax.plot(t[k], y[k], color=c, lw=1.4, label=f"{lab}: ODE")
                n_inf[names.index(name)] += stationary_line(ax, res.stationary_value(name), c,
                                                            label=stationary_unlabelled(ax))
            if sim is not None and name in sim:
                t = sim["t"].values
                k = t > 0
                ax.errorbar(t[k], sim[name].values[k], yerr=sim[f"{name}_stderr"].values[k],
                            color=c, fmt="o", ms=3, capsize=1.5,
                            label=f"{lab}: Monte Carlo, d = {d}")
    titles = {"risk": "population loss E l(r, y)", "metric": "E metric",
              "cosine": "teacher cosine m / sqrt(q p)"}
    for ax, name in zip(axes, names):
        ax.set_xscale("log")
        ax.set_xlabel(time_label(results[0]))
        ax.set_title(titles[name], fontsize=10)
        ax.set_ylabel(name)
        legend(ax, 2 * len(results) + n_inf[names.index(name)])
    target = str(results[0].parameters.get("glm.target", "?"))
    fig.suptitle(f"single-index model, y = {target}: theory against one-pass SGD")
    return fig
