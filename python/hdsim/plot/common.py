"""What every hdsim figure shares, and the figures every family draws.

Helpers the family modules build on: result() (a Result or a path), colours() (n
distinguishable colours), time_label() (the x label saying what t counts), legend() (a
legend that never covers curves), panels() (a constrained-layout grid), point_labels() and
runs_of() (sweep points labelled by the swept keys).  Figures: compare() (theory against
simulation, any problem), sweep() (a sweep with Monte Carlo bands), ladder() (a
finite-size ladder from hdsim validate).
"""
import math
import os

import matplotlib
import numpy as np

if os.environ.get("MPLBACKEND") is None and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from ..io import Result, load  # noqa: E402

__all__ = ["result", "colours", "time_label", "legend", "panels", "positive", "point_labels",
           "runs_of", "first_below", "stationary_line", "stationary_unlabelled", "STATIONARY_LABEL", "compare", "sweep",
           "ladder"]

STATIONARY_LABEL = "t = ∞"


def result(x):
    """x itself if it is a loaded Result, else hdsim.load(x)."""
    return x if isinstance(x, Result) else load(x)


def colours(n):
    """n distinguishable colours: tab10 up to 10, tab20 up to 20, then a sampled colormap."""
    if n <= 10:
        return [plt.cm.tab10(i) for i in range(n)]
    if n <= 20:
        return [plt.cm.tab20(i) for i in range(n)]
    return list(plt.cm.turbo(np.linspace(0.05, 0.95, n)))


def time_label(res):
    """The x label: what t is for this problem, e.g. 't = SGD steps x batch / d'."""
    unit = res.time_unit if isinstance(res, Result) else str(res)
    return unit if unit.startswith("t") else f"t ({unit})"


def legend(ax, n_entries, **kw):
    """A legend that never covers curves: inside ("best") only when short, else below the
    axes' tick labels and x label (anchored in inches below them, so it stays clear when
    the layout resizes the axes), in as many columns (3, 2 or 1) as fit the axes' width."""
    if n_entries == 0:
        return None
    if n_entries <= 4:
        return ax.legend(fontsize=7, loc="best", **kw)
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    below = ax.xaxis.get_tightbbox(renderer)
    drop = (max(0.0, box.y0 - below.y0) if below is not None else 30.0) / fig.dpi + 0.06
    anchor = ax.transAxes + ScaledTranslation(0, -drop, fig.dpi_scale_trans)
    for ncol in (3, 2, 1):
        leg = ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0),
                        bbox_transform=anchor, ncol=min(ncol, n_entries), frameon=False, **kw)
        if leg.get_window_extent(renderer).width <= 0.95 * box.width:
            break
    return leg


def panels(n_panels, width=5.0, height=4.2, cols=3):
    """A figure with n_panels axes on a grid of at most `cols` columns (spare cells off)."""
    cols = min(cols, n_panels)
    rows = math.ceil(n_panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False,
                             layout="constrained")
    axes = axes.ravel()
    for ax in axes[n_panels:]:
        ax.axis("off")
    return fig, axes[:n_panels]


def positive(t, log):
    """The points a log axis can show (t > 0), or all of them on a linear axis."""
    return t > 0 if log else np.ones_like(t, dtype=bool)


def stationary_unlabelled(ax):
    """True until ax has its one "t = ∞" legend entry (for label= of stationary_line)."""
    return not any(ln.get_label() == STATIONARY_LABEL for ln in ax.get_lines())


def stationary_line(ax, value, color, label=True, ls=":"):
    """The theory's t = infinity value (Result.stationary_value) as a dotted horizontal
    line in the curve's colour (ls: another style where the curve itself is dotted);
    labelled "t = ∞" when label is true (once per legend).
    Returns 1 if it added a legend entry, else 0; draws nothing for None or NaN, and
    nothing for +inf (a limit that diverges has no line to draw)."""
    if value is None or not np.isfinite(value):
        return 0
    if ax.get_yscale() == "log" and value <= 0:
        return 0
    ax.axhline(value, color=color, lw=1.0, ls=ls, label=STATIONARY_LABEL if label else None)
    return 1 if label else 0


def compare(res, observables=None, runs=True, max_runs=30):
    """Theory against simulation, one panel per observable: theory (dashed black) and its
    t = infinity value where the file has one (dotted black, "t = ∞"), Monte
    Carlo mean +- 1 s.e. (blue band), individual runs faint, and the user's measured
    curves when the file has them (/experiment: orange markers with +- 1 s.e., runs
    faint); last panel: |mean - theory| / |theory| for each observable (solid) and
    |measured - theory| / |theory| on the theory's times (dashed, markers)."""
    res = result(res)
    names = observables or res.observables
    th, sim, cmp_ = res.get("theory"), res.get("simulation"), res.get("compare")
    exp = res.get("experiment")
    n = len(names) + (1 if cmp_ is not None else 0)
    fig, axes = panels(n)
    for ax, name in zip(axes, names):
        meta = (th if th is not None and name in th else sim)[name]
        logx, logy = int(meta.attrs.get("log_x", 0)), int(meta.attrs.get("log_y", 0))
        entries = 0
        if sim is not None and name in sim:
            t = sim["t"].values
            k = positive(t, logx)
            if runs and f"{name}_runs" in sim:
                for r in sim[f"{name}_runs"].values[:max_runs]:
                    ax.plot(t[k], r[k], color="tab:blue", alpha=0.12, lw=0.6)
            m, s = sim[name].values, sim[f"{name}_stderr"].values
            ax.fill_between(t[k], (m - s)[k], (m + s)[k], color="tab:blue", alpha=0.35, lw=0,
                            label="Monte Carlo mean ± s.e.")
            ax.plot(t[k], m[k], color="tab:blue", lw=1.2)
            entries += 1
        if exp is not None and name in exp:
            t = exp["t"].values
            k = positive(t, logx)
            if runs and f"{name}_runs" in exp and exp[f"{name}_runs"].shape[0] > 1:
                for r in exp[f"{name}_runs"].values[:max_runs]:
                    ax.plot(t[k], r[k], color="tab:orange", alpha=0.25, lw=0.6)
            s = np.nan_to_num(exp[f"{name}_stderr"].values)
            ax.errorbar(t[k], exp[name].values[k], yerr=s[k], color="tab:orange", fmt="o",
                        ms=3, lw=0.8, label="experiment (measured)")
            entries += 1
        if th is not None and name in th:
            t = th["t"].values
            k = positive(t, logx)
            ax.plot(t[k], th[name].values[k], color="black", lw=1.4, ls="--",
                    label=f"theory ({th.attrs.get('method', 'theory')})")
            entries += 1
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        entries += stationary_line(ax, res.stationary_value(name), "black")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(time_label(res))
        units = meta.attrs.get("units", "1")
        ax.set_ylabel(name if units == "1" else f"{name} [{units}]")
        legend(ax, entries)
    if cmp_ is not None:
        ax = axes[len(names)]
        cs = colours(len(names))
        t = cmp_["t"].values
        k = t > 0
        for c, name in zip(cs, names):
            if f"{name}_rel" in cmp_:
                ax.plot(t[k], np.abs(cmp_[f"{name}_rel"].values[k]), color=c, lw=1, label=name)
            if f"experiment_{name}_rel" in cmp_:
                ax.plot(t[k], np.abs(cmp_[f"experiment_{name}_rel"].values[k]), color=c, lw=1,
                        ls="--", marker="o", ms=2.5, label=f"{name} (experiment)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title("|mean − theory| / |theory|"
                     + (", - - measured" if exp is not None else ""), fontsize=10)
        ax.set_ylabel("relative error of the Monte Carlo mean")
        ax.set_xlabel(time_label(res))
        legend(ax, len(names))
    title = f"{res.problem}: {os.path.basename(res.path)}"
    if res.attrs.get("status", "complete") != "complete":
        title += f"  [{res.attrs['status']}]"
    fig.suptitle(title)
    return fig


def point_labels(res):
    """One label per sweep point naming the swept keys' values, e.g. 'lr = 0.5'."""
    sim = res.get("sweep/simulation", res.get("sweep/theory"))
    keys = res.swept_keys
    labels = []
    for p in range(sim.sizes["point"]):
        parts = []
        for k in keys:
            v = sim[k].values[p]
            parts.append(f"{k} = {v:g}" if isinstance(v, (float, np.floating)) else f"{k} = {v}")
        labels.append(", ".join(parts))
    return labels


def sweep(res, observable=None):
    """A sweep: left, the observable against t at every point, theory (dashed) over the
    Monte Carlo mean +- 1 s.e. band (same colour per point, labelled by the swept keys),
    and the theory's t = infinity value where the file has it (dotted, same colour);
    right, its final value against the swept key (one key) or over the two keys (phase
    diagram: theory as colour, Monte Carlo mean written in each cell)."""
    res = result(res)
    if not res.is_sweep:
        raise ValueError(f"{res.path} is not a sweep")
    obs = observable or res.observables[0]
    th, sim = res.get("sweep/theory"), res.get("sweep/simulation")
    base = sim if sim is not None else th
    n = base.sizes["point"]
    keys = res.swept_keys
    labels = point_labels(res)
    cs = colours(n)
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    t = base["t"].values
    logx = int(base[obs].attrs.get("log_x", 1)) if obs in base else 1
    k = positive(t, True)
    final_th, final_mc = np.full(n, np.nan), np.full(n, np.nan)
    points = res.points()
    a.set_yscale("log")
    n_inf = 0
    for p in range(n):
        if p < len(points):
            n_inf += stationary_line(a, points[p].stationary_value(obs), cs[p], label=n_inf == 0)
        if sim is not None and obs in sim:
            m, s = sim[obs].values[p], sim[f"{obs}_stderr"].values[p]
            ok = k & np.isfinite(m)
            a.fill_between(t[ok], (m - s)[ok], (m + s)[ok], color=cs[p], alpha=0.3, lw=0)
            a.plot(t[ok], m[ok], color=cs[p], lw=1.2, label=labels[p])
            final_mc[p] = m[ok][-1] if ok.any() else np.nan
        if th is not None and obs in th:
            y = th[obs].values[p]
            ok = k & np.isfinite(y)
            a.plot(t[ok], y[ok], color=cs[p], lw=1, ls="--",
                   label=None if sim is not None else labels[p])
            final_th[p] = y[ok][-1] if ok.any() else np.nan
    a.set_xscale("log" if logx else "linear")
    a.set_xlabel(time_label(res))
    a.set_ylabel(obs)
    a.set_title(f"{obs}: Monte Carlo mean ± s.e. (band), theory (dashed)"
                + (", t = ∞ (dotted)" if n_inf else ""), fontsize=10)
    legend(a, n + n_inf)
    final = np.where(np.isfinite(final_th), final_th, final_mc)
    if len(keys) == 2:
        x, y = base[keys[1]].values, base[keys[0]].values  # first key varies slowest: rows
        xs, ys = list(dict.fromkeys(x.tolist())), list(dict.fromkeys(y.tolist()))
        grid = final.reshape(len(ys), len(xs))
        all_positive = np.all(grid[np.isfinite(grid)] > 0)
        im = b.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), grid,
                          norm=LogNorm() if all_positive else None, cmap="magma")
        fig.colorbar(im, ax=b, label=f"final {obs} (theory)")
        for i in range(len(ys)):
            for j in range(len(xs)):
                v = final_mc.reshape(len(ys), len(xs))[i, j]
                if np.isfinite(v):
                    b.text(j + 0.5, i + 0.5, f"{v:.3g}", ha="center", va="center", fontsize=7,
                           color="white")
        b.set_xticks(np.arange(len(xs)) + 0.5, [f"{v:g}" for v in xs])
        b.set_yticks(np.arange(len(ys)) + 0.5, [f"{v:g}" for v in ys])
        b.set_xlabel(keys[1])
        b.set_ylabel(keys[0])
        b.set_title(f"final {obs}: theory (colour), Monte Carlo mean (numbers)", fontsize=10)
    else:
        key = keys[0]
        x = base[key].values
        order = np.argsort(x) if x.dtype.kind in "fiu" else np.arange(n)
        b.plot(x[order], final_th[order], "k--o", label="theory")
        b.errorbar(x[order], final_mc[order],
                   yerr=(sim[f"{obs}_stderr"].values[:, -1][order] if sim is not None else None),
                   fmt="s", color="tab:blue", capsize=3, label="Monte Carlo mean ± s.e.")
        b.set_xlabel(key)
        b.set_ylabel(f"{obs} at t = {t[-1]:g}")
        if np.all(final[np.isfinite(final)] > 0):
            b.set_yscale("log")
        b.set_title(f"final {obs} against {key}", fontsize=10)
        legend(b, 2)
    fig.suptitle(f"{res.problem}: sweep over {', '.join(keys)}")
    return fig


def ladder(res):
    """A finite-size ladder (hdsim validate): the fitted statistic against size with its
    fit and the expected slope; theory and Monte Carlo mean +- s.e. at every rung."""
    res = result(res)
    lad, fit = res["ladder"], None
    import h5py
    with h5py.File(res.path, "r") as f:
        fit = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["fit"].attrs.items()}
        rung_attrs = {k: dict(f["rungs"][k].attrs) for k in f["rungs"]}
    coord = [c for c in lad.coords][0]
    size, stat, se = lad[coord].values, lad["statistic"].values, lad["statistic_log_se"].values
    slope, sse, expected = fit["slope"], fit["slope_se"], fit["expected"]
    key, obs = res.attrs.get("size_parameter", coord), res.attrs.get("observable", "")
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    a.errorbar(size, stat, yerr=[stat * (1 - np.exp(-se)), stat * (np.exp(se) - 1)], fmt="o",
               color="tab:blue", capsize=3, label=f"{fit['statistic']} error of {obs}")
    xs = np.geomspace(size.min(), size.max(), 50)
    w = 1 / se ** 2
    intercept = (np.sum(w * np.log(stat)) - slope * np.sum(w * np.log(size))) / np.sum(w)
    a.plot(xs, np.exp(intercept) * xs ** slope, color="tab:orange",
           label=f"fit: slope {slope:.3f} ± {1.96 * sse:.3f} (95%)")
    a.plot(xs, stat[-1] * (xs / size[-1]) ** expected, "k--", lw=1,
           label=f"expected slope {expected:g}")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel(key)
    a.set_ylabel("sup over t of the relative error")
    a.set_title("finite-size ladder", fontsize=10)
    legend(a, 3)
    rungs = sorted((k for k in res if k.startswith("rungs/")), key=lambda k: int(k.split("/")[1]))
    cs = colours(len(rungs))
    for c, name in zip(cs, rungs):
        g = res[name]
        t = g["t"].values
        k = t > 0
        m, e = g["mean"].values, g["stderr"].values
        at = rung_attrs[name.split("/")[1]]
        b.fill_between(t[k], (m - e)[k], (m + e)[k], color=c, alpha=0.3, lw=0)
        b.plot(t[k], m[k], color=c, lw=1, label=f"{key} = {at['size']:g} ({at['runs']} runs)")
        b.plot(t[k], g["theory"].values[k], color=c, lw=1, ls="--")
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("t")
    b.set_ylabel(obs)
    b.set_title("Monte Carlo mean ± s.e. (band), theory (dashed)", fontsize=10)
    legend(b, len(rungs))
    fig.suptitle(f"{res.problem}: finite-size ladder over {key}")
    return fig


def runs_of(items):
    """(label, Result, file's Result) for each file, or each point of a sweep file (the
    point's Result has that point's parameters; its label names the swept keys)."""
    out = []
    for item in items if isinstance(items, (list, tuple)) else [items]:
        res = result(item)
        if res.is_sweep:
            for label, sub in zip(point_labels(res), res.points()):
                out.append((label, sub, res))
        else:
            out.append((os.path.basename(res.path), res, res))
    return out


def first_below(t, y, theta):
    """The first t where y < theta (inf if never), e.g. a grokking time."""
    idx = np.nonzero(y < theta)[0]
    return t[idx[0]] if len(idx) else np.inf
