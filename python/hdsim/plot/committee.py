"""Committee-machine figures (committee).
"""
import matplotlib.pyplot as plt
import numpy as np

from .common import (colours, legend, result, stationary_line, stationary_unlabelled,
                     time_label)

__all__ = ["committee"]


def committee(items):
    """committee: generalisation error and student-teacher overlaps R_km, theory (the
    per-eigenvalue overlap ODE, lines) against the Monte Carlo mean +- s.e. (points), one
    colour per file for eg and one per (k, m) for the overlaps of the first file; the
    theory's t = infinity values dotted in the curve's colour ("t = ∞")."""
    items = items if isinstance(items, (list, tuple)) else [items]
    results = [result(x) for x in items]
    cs = colours(len(results))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    axes[0].set_yscale("log")
    n_inf = [0, 0]
    for c, res in zip(cs, results):
        p = res.parameters
        lab = (f"{p.get('network.activation', '?')} K={int(p['network.student_units'])} "
               f"M={int(p['network.teacher_units'])}, {p.get('data.spectrum', '?')}")
        th, sim = res.get("theory"), res.get("simulation")
        if th is not None and "eg" in th:
            t, y = th["t"].values, th["eg"].values
            k = (t > 0) & np.isfinite(y) & (y > 0)
            axes[0].plot(t[k], y[k], color=c, lw=1.4, label=f"{lab}: theory")
            n_inf[0] += stationary_line(axes[0], res.stationary_value("eg"), c,
                                        label=stationary_unlabelled(axes[0]))
        if sim is not None and "eg" in sim:
            t, y = sim["t"].values, sim["eg"].values
            k = (t > 0) & (y > 0)
            axes[0].errorbar(t[k], y[k], yerr=sim["eg_stderr"].values[k], color=c, fmt="o",
                             ms=3, capsize=1.5, label=f"{lab}: Monte Carlo, d = {int(p['data.d'])}")
    res = results[0]
    th, sim = res.get("theory"), res.get("simulation")
    src = th if th is not None else sim
    names = [n for n in src.data_vars if n.startswith("R_") and not n.endswith("_stderr")]
    for c, name in zip(colours(len(names)), names):
        if th is not None and name in th:
            axes[1].plot(th["t"].values, th[name].values, color=c, lw=1.4, label=f"{name}: theory")
            n_inf[1] += stationary_line(axes[1], res.stationary_value(name), c,
                                        label=stationary_unlabelled(axes[1]))
        if sim is not None and name in sim:
            axes[1].errorbar(sim["t"].values, sim[name].values, yerr=sim[f"{name}_stderr"].values,
                             color=c, fmt="o", ms=2.5, capsize=1, label=f"{name}: Monte Carlo")
    axes[0].set_ylabel("generalisation error ε_g")
    axes[1].set_ylabel("overlap R_km = E[λ_k ν_m]")
    for ax, title in zip(axes, ("generalisation error", "student-teacher overlaps (first file)")):
        ax.set_xlabel(time_label(results[0]))
        ax.set_title(title, fontsize=10)
    legend(axes[0], 2 * len(results) + n_inf[0])
    legend(axes[1], 2 * len(names) + n_inf[1])
    fig.suptitle("Committee machine: per-eigenvalue overlap ODE against one-pass SGD")
    return fig
