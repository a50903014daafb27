"""streaming_lsq figure: the risk and its spectral bands, theory against Monte Carlo."""
import os

import matplotlib.pyplot as plt
import numpy as np

from .common import (colours, legend, result, stationary_line, stationary_unlabelled,
                     time_label)

__all__ = ["lsq_bands"]


def _band(ds, name):
    """'band_0 (λ in (0.3, 3])' from the observable's description, which ends with the
    band's eigenvalue interval."""
    desc = str(ds[name].attrs.get("description", "")) if name in ds else ""
    interval = desc.rsplit(" in ", 1)[-1] if " in " in desc else ""
    return f"{name} (λ in {interval})" if interval[:1] in "([" and interval else name


def lsq_bands(res):
    """streaming_lsq: left, the risk, theory (dashed black) over the Monte Carlo mean +- 1
    s.e. (band); right, the distance to the target split over the spectrum's bands
    (band_k, labelled by their eigenvalue intervals), theory dashed over the Monte Carlo mean, one colour per band;
    the theory's t = infinity values dotted ("t = ∞") where the file has them."""
    res = result(res)
    th, sim = res.get("theory"), res.get("simulation")
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    names = [n for n in res.observables if n.startswith("band_")]
    for ax, group in ((a, ["risk"]), (b, names)):
        cs = colours(len(group)) if len(group) > 1 else ["tab:blue"]
        entries = 0
        ax.set_yscale("log")
        for c, name in zip(cs, group):
            lab = "" if len(group) == 1 else f"{_band(th if th is not None else sim, name)}: "
            if sim is not None and name in sim:
                t, m, s = sim["t"].values, sim[name].values, sim[f"{name}_stderr"].values
                k = (t > 0) & np.isfinite(m)
                ax.fill_between(t[k], (m - s)[k], (m + s)[k], color=c, alpha=0.3, lw=0)
                ax.plot(t[k], m[k], color=c, lw=1.2, label=f"{lab}Monte Carlo mean ± s.e.")
                entries += 1
            if th is not None and name in th:
                t, y = th["t"].values, th[name].values
                k = (t > 0) & np.isfinite(y)
                ax.plot(t[k], y[k], color="black" if len(group) == 1 else c, lw=1.2, ls="--",
                        label=f"{lab}theory")
                entries += 1
            entries += stationary_line(ax, res.stationary_value(name),
                                       "black" if len(group) == 1 else c, label=stationary_unlabelled(ax))
        ax.set_xscale("log")
        ax.set_xlabel(time_label(res))
        legend(ax, entries)
    a.set_ylabel("risk")
    a.set_title("risk", fontsize=10)
    b.set_ylabel("squared distance to the target in the band")
    b.set_title("distance by spectral band: Monte Carlo (band), theory (dashed)", fontsize=10)
    fig.suptitle(f"{res.problem}: {os.path.basename(res.path)}")
    return fig
