"""SAM-family figures (sam_streaming, sam_quadratic).
"""
import matplotlib.pyplot as plt
import numpy as np

from .common import colours, legend, result, time_label

__all__ = ["sam_streaming"]


def sam_streaming(items):
    """sam_streaming: risk and effective step, theory (ODE H4-H8; dotted when the
    truncated form) against the Monte Carlo mean +- s.e., one colour per file."""
    items = items if isinstance(items, (list, tuple)) else [items]
    results = [result(x) for x in items]
    cs = colours(len(results))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
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
            if sim is not None and name in sim:
                t = sim["t"].values
                k = t > 0
                ax.errorbar(t[k], sim[name].values[k], yerr=sim[f"{name}_stderr"].values[k],
                            color=c, fmt="o", ms=3, capsize=1.5,
                            label=f"{lab}: Monte Carlo, d = {int(p['data.d'])}")
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("risk R = v/2")
    axes[1].set_xscale("log")
    axes[1].set_ylabel("effective step γ A(v, G)")
    for ax, title in zip(axes, ("risk", "effective step")):
        ax.set_xlabel(time_label(results[0]))
        ax.set_title(title, fontsize=10)
        legend(ax, 2 * len(results))
    fig.suptitle("SAM family in high dimension: theory against the algorithms")
    return fig
