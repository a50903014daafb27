"""Grokking figures (dmft_grokking, grok_linear_estimator).
"""
import os

import matplotlib.pyplot as plt
import numpy as np

from .common import colours, first_below, legend, panels, result, time_label

__all__ = ["grok_losses", "grok_models"]


def grok_losses(res, theta=0.1):
    """dmft_grokking (Kumar et al. Fig. 1, 4): (a) train and test loss, theory (N = inf,
    dashed) and finite-N networks (mean +- s.e.), kernel baseline and grokking times;
    (b) the test-loss decomposition (var, mis, lin); (c) weights; (d) feature alignment."""
    res = result(res)
    sources = [s for s in ("theory", "simulation") if s in res]
    fig, ax = plt.subplots(2, 2, figsize=(12, 10), layout="constrained")
    ax = ax.ravel()
    style = {"theory": dict(ls="--", lw=1.6), "simulation": dict(ls="-", lw=1.2)}
    label = {"theory": "N = ∞", "simulation": "finite N (mean)"}
    panels = [("train", "test_pop", "test_emp"), ("var", "mis", "lin"), ("wnorm", "relchange"),
              ("overlap", "cosine", "cka")]
    entries = [0, 0, 0, 0]
    for src in sources:
        ds = res[src]
        for i, names in enumerate(panels):
            cs = colours(len(names))
            for c, name in zip(cs, names):
                if name not in ds:
                    continue
                t, y = ds["t"].values, ds[name].values
                k = t > 0
                ax[i].plot(t[k], y[k], color=c, label=f"{name}, {label[src]}", **style[src])
                entries[i] += 1
                if src == "simulation" and i == 0:
                    s = ds[f"{name}_stderr"].values
                    ax[i].fill_between(t[k], (y - s)[k], (y + s)[k], color=c, alpha=0.25, lw=0)
    ds = res[sources[0]]
    t, tr, te = ds["t"].values, ds["train"].values, ds["test_pop"].values
    kmse = ds["kmse"].values[0] if "kmse" in ds else np.nan
    if np.isfinite(kmse):
        ax[0].axhline(kmse, color="black", lw=1, label="kernel regression, initial NTK")
        entries[0] += 1
    cs = colours(3)
    for tt, c in ((first_below(t, tr, theta * tr[0]), cs[0]), (first_below(t, te, theta * te[0]), cs[1])):
        if np.isfinite(tt):
            ax[0].axvline(tt, color=c, lw=0.8, ls=":")
    titles = ["losses (dotted: grokking times)", "test loss decomposition (eq. 6)",
              "weights", "feature alignment"]
    for i, (a, title) in enumerate(zip(ax, titles)):
        a.set_xscale("log")
        a.set_xlabel(time_label(res))
        a.set_title(title, fontsize=10)
        legend(a, entries[i])
    for a in (ax[0], ax[1], ax[2]):
        a.set_yscale("log")
    fig.suptitle(f"{res.problem}: {os.path.basename(res.path)}")
    return fig


GROK_MODEL_THEORY = {"standard": "N = ∞ closure", "readouts": "N = ∞ DMFT (particles)",
                     "linearised": "lazy limit"}


def grok_models(items):
    """dmft_grokking, one file per trained model (standard, readouts = both layers,
    linearised = the finite-width lazy network; docs/theory/grok.md §5): (a) train and
    (b) test loss, each model's N = ∞ theory (dashed) against its finite-N networks (mean
    +- s.e., solid), one colour per file; (c) relative parameter change."""
    items = items if isinstance(items, (list, tuple)) else [items]
    results = [result(x) for x in items]
    fig, ax = panels(3, width=5.2, height=4.4)
    cs = colours(len(results))
    for res, c in zip(results, cs):
        model = str(res.parameters.get("network.model", "standard"))
        n = int(res.parameters["network.N"])
        model = f"{model} (η0 = {float(res.parameters['optimizer.eta0']):g})"
        for a, name in zip(ax, ("train", "test_pop", "relchange")):
            if "theory" in res:
                th = res["theory"]
                t = th["t"].values
                k = t > 0
                a.plot(t[k], th[name].values[k], color=c, ls="--", lw=1.6,
                       label=f"{model}: {GROK_MODEL_THEORY.get(model.split()[0], 'theory')}")
            if "simulation" in res:
                sim = res["simulation"]
                t, y = sim["t"].values, sim[name].values
                s = sim[f"{name}_stderr"].values
                k = t > 0
                a.plot(t[k], y[k], color=c, lw=1.1, label=f"{model}: N = {n} (mean ± s.e.)")
                a.fill_between(t[k], (y - s)[k], (y + s)[k], color=c, alpha=0.25, lw=0)
    for a, title in zip(ax, ("train loss", "test loss (population, eq. 6)",
                             "relative parameter change")):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel(time_label(results[0]))
        a.set_title(title, fontsize=10)
    legend(ax[1], 2 * len(results))
    fig.suptitle("dmft_grokking: what is trained — theory (dashed) against finite networks")
    return fig
