"""hdsim's figures as functions on loaded outputs (hdsim.load / hdsim.run results).

Each function takes a Result (or a path, loaded for you) and returns a matplotlib Figure;
the scripts in plots/ are command-line wrappers around them.  Conventions every figure
keeps: the x label says what t counts for the problem (the file's time_unit); no colour is
reused within a panel; legends sit outside the data (below or beside the axes) when a panel
has many curves; the figure title sits above the panel titles (constrained layout); sweeps
draw the Monte Carlo mean +- 1 s.e. band per point, labelled by the swept keys.
"""
import math
import os

import matplotlib
import numpy as np

if os.environ.get("MPLBACKEND") is None and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

from .io import Result, load  # noqa: E402

__all__ = ["compare", "sweep", "ladder", "noisy_risk", "privacy", "frontier", "multiclass",
           "multiclass_figure1", "sam_streaming", "grok_losses", "grok_models", "colours", "time_label",
           "family_figure"]


def _res(x):
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


def _legend(ax, n_entries, **kw):
    """A legend that never covers curves: inside only when short, else below the axes."""
    if n_entries == 0:
        return None
    if n_entries <= 4:
        return ax.legend(fontsize=7, loc="best", **kw)
    return ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18),
                     ncol=min(3, n_entries), frameon=False, **kw)


def _figure(n_panels, width=5.0, height=4.2, cols=3):
    cols = min(cols, n_panels)
    rows = math.ceil(n_panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False,
                             layout="constrained")
    axes = axes.ravel()
    for ax in axes[n_panels:]:
        ax.axis("off")
    return fig, axes[:n_panels]


def _positive(t, log):
    return t > 0 if log else np.ones_like(t, dtype=bool)


def compare(res, observables=None, runs=True, max_runs=30):
    """Theory against simulation, one panel per observable: theory (dashed black), Monte
    Carlo mean +- 1 s.e. (blue band), individual runs faint; last panel: |mean - theory| /
    |theory| for each observable."""
    res = _res(res)
    names = observables or res.observables
    th, sim, cmp_ = res.get("theory"), res.get("simulation"), res.get("compare")
    n = len(names) + (1 if cmp_ is not None else 0)
    fig, axes = _figure(n)
    for ax, name in zip(axes, names):
        meta = (th if th is not None and name in th else sim)[name]
        logx, logy = int(meta.attrs.get("log_x", 0)), int(meta.attrs.get("log_y", 0))
        entries = 0
        if sim is not None and name in sim:
            t = sim["t"].values
            k = _positive(t, logx)
            if runs and f"{name}_runs" in sim:
                for r in sim[f"{name}_runs"].values[:max_runs]:
                    ax.plot(t[k], r[k], color="tab:blue", alpha=0.12, lw=0.6)
            m, s = sim[name].values, sim[f"{name}_stderr"].values
            ax.fill_between(t[k], (m - s)[k], (m + s)[k], color="tab:blue", alpha=0.35, lw=0,
                            label="Monte Carlo mean ± s.e.")
            ax.plot(t[k], m[k], color="tab:blue", lw=1.2)
            entries += 1
        if th is not None and name in th:
            t = th["t"].values
            k = _positive(t, logx)
            ax.plot(t[k], th[name].values[k], color="black", lw=1.4, ls="--",
                    label=f"theory ({th.attrs.get('method', 'theory')})")
            entries += 1
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(time_label(res))
        units = meta.attrs.get("units", "1")
        ax.set_ylabel(name if units == "1" else f"{name} [{units}]")
        _legend(ax, entries)
    if cmp_ is not None:
        ax = axes[len(names)]
        cs = colours(len(names))
        t = cmp_["t"].values
        k = t > 0
        for c, name in zip(cs, names):
            if f"{name}_rel" in cmp_:
                ax.plot(t[k], np.abs(cmp_[f"{name}_rel"].values[k]), color=c, lw=1, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title("|mean − theory| / |theory|", fontsize=10)
        ax.set_xlabel(time_label(res))
        _legend(ax, len(names))
    title = f"{res.problem}: {os.path.basename(res.path)}"
    if res.attrs.get("status", "complete") != "complete":
        title += f"  [{res.attrs['status']}]"
    fig.suptitle(title)
    return fig


def _point_labels(res):
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
    Monte Carlo mean +- 1 s.e. band (same colour per point, labelled by the swept keys);
    right, its final value against the swept key (one key) or over the two keys (phase
    diagram: theory as colour, Monte Carlo mean written in each cell)."""
    res = _res(res)
    if not res.is_sweep:
        raise ValueError(f"{res.path} is not a sweep")
    obs = observable or res.observables[0]
    th, sim = res.get("sweep/theory"), res.get("sweep/simulation")
    base = sim if sim is not None else th
    n = base.sizes["point"]
    keys = res.swept_keys
    labels = _point_labels(res)
    cs = colours(n)
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    t = base["t"].values
    logx = int(base[obs].attrs.get("log_x", 1)) if obs in base else 1
    k = _positive(t, True)
    final_th, final_mc = np.full(n, np.nan), np.full(n, np.nan)
    for p in range(n):
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
    a.set_yscale("log")
    a.set_xlabel(time_label(res))
    a.set_ylabel(obs)
    a.set_title(f"{obs}: Monte Carlo mean ± s.e. (band), theory (dashed)", fontsize=10)
    _legend(a, n)
    final = np.where(np.isfinite(final_th), final_th, final_mc)
    if len(keys) == 2:
        x, y = base[keys[1]].values, base[keys[0]].values  # first key varies slowest: rows
        xs, ys = list(dict.fromkeys(x.tolist())), list(dict.fromkeys(y.tolist()))
        grid = final.reshape(len(ys), len(xs))
        positive = np.all(grid[np.isfinite(grid)] > 0)
        im = b.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), grid,
                          norm=LogNorm() if positive else None, cmap="magma")
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
        _legend(b, 2)
    fig.suptitle(f"{res.problem}: sweep over {', '.join(keys)}")
    return fig


def ladder(res):
    """A finite-size ladder (hdsim validate): the fitted statistic against size with its
    fit and the expected slope; theory and Monte Carlo mean +- s.e. at every rung."""
    res = _res(res)
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
    _legend(a, 3)
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
    _legend(b, len(rungs))
    fig.suptitle(f"{res.problem}: finite-size ladder over {key}")
    return fig


def _runs_of(items):
    """(label, Result-like dict of groups) for each file, or each point of a sweep."""
    out = []
    for item in items:
        res = _res(item)
        if res.is_sweep:
            labels = _point_labels(res)
            n = len(labels)
            for p in range(n):
                sub = {k[len(f"points/{p}/"):]: v for k, v in res.items()
                       if k.startswith(f"points/{p}/")}
                out.append((labels[p], sub, res))
        else:
            out.append((os.path.basename(res.path), res, res))
    return out


def noisy_risk(items, log=False):
    """noisy_sgd: risk against t, one colour per file or sweep point: theory (line), Monte
    Carlo mean +- 1 s.e. (band and markers); for a single file the bias / variance split
    (NS-4') and the stationary risk R_inf (NS-6)."""
    runs = _runs_of(items if isinstance(items, (list, tuple)) else [items])
    single = len(runs) == 1
    fig, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    cs = colours(len(runs) + (2 if single else 0))
    entries = 0
    for c, (label, g, res) in zip(cs, runs):
        sig = res.parameters.get("noise.sigma", float("nan")) if g is res else \
            g["theory"].attrs.get("noise.sigma", float("nan")) if "theory" in g else float("nan")
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
        if "risk_parts" in g:
            rinf = float(g["risk_parts"].attrs.get("stationary_risk", np.nan))
            if np.isfinite(rinf):
                ax.axhline(rinf, color=c, lw=0.8, ls="-.", label="R_inf (NS-6)" if single else None)
                entries += single
    first = runs[0][2]
    ax.set_xlabel(time_label(first))
    ax.set_ylabel("population risk")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    _legend(ax, entries)
    ax.set_title("noisy SGD: risk dynamics")
    return fig


def privacy(res):
    """noisy_sgd privacy: eps_alpha(t), the Renyi privacy loss of the iterate released at
    time t, per order (exact O(d) formula NS-10 solid, d -> infinity formula NS-11 dashed);
    accountant curves of the clipped variant dotted and labelled so; +inf drawn as
    triangles on a top band marked '+inf'; the pair's residual profiles; the (eps,
    delta)-DP curve."""
    res = _res(res)
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
    entries, any_inf = 0, False
    clip = g.attrs.get("accountant_clip", None)
    for c, (k, a) in zip(cs, enumerate(orders)):
        lab = "KL (α = 1)" if a == 1 else f"α = {a:g}"
        for arr, ls, what in ((ex, "-", "exact, NS-10"), (sp, "--", "d → ∞, NS-11")):
            y = arr[k]
            if np.all(np.isnan(y)):
                continue
            inf = np.isinf(y)
            ax.plot(t[~inf], y[~inf], ls, color=c, label=f"{lab} ({what})")
            entries += 1
            if inf.any():
                any_inf = True
                ax.plot(t[inf], np.full(inf.sum(), top), "^", color=c, ms=5)
        for name, ls, what in (("accountant_composition", ":", "composition"),
                               ("accountant_ye_shokri", "-.", "Ye-Shokri")):
            if name in g and a > 1:
                ax.plot(t, g[name].values[k], ls, color=c, lw=0.9,
                        label=f"{lab}: clipped variant, {what} accountant"
                              + (f" (c = {clip:g})" if clip is not None else ""))
                entries += 1
    ax.set_yscale("log")
    if any_inf:
        ax.axhline(top, color="0.6", lw=0.5)
        ax.annotate("+∞ (Σ_α not positive definite)", (0.01, top), xycoords=("axes fraction", "data"),
                    fontsize=7, va="bottom")
    ax.set_xlabel(f"release time {time_label(res)}")
    ax.set_ylabel("ε_α(t): loss of the iterate released at t")
    alpha_max = g.attrs.get("alpha_max", np.nan)
    title = f"records ({int(g.attrs['record_1'])}, {int(g.attrs['record_2'])})"
    if np.isfinite(alpha_max):
        title += f", α_max = {alpha_max:.3g}"
    ax.set_title(title, fontsize=10)
    _legend(ax, entries)
    ax = axes[1]
    c2 = colours(2)
    ax.plot(g["s"].values, g["r1"].values, color=c2[0], label="r_1(s) (record in D)")
    ax.plot(g["s"].values, g["r2"].values, color=c2[1], label="r_2(s) (record in D')")
    ax.set_xlabel("processing time s")
    ax.set_ylabel("residual at the mean iterate")
    ax.set_title("the pair's residual profiles", fontsize=10)
    _legend(ax, 2)
    ax = axes[2]
    dp = g["eps_dp"].values
    ok = np.isfinite(dp)
    ax.plot(t[ok], dp[ok], color=c2[0], label="min over orders > 1")
    ax.set_xlabel(f"release time {time_label(res)}")
    ax.set_ylabel("ε of (ε, δ)-DP")
    ax.set_title(f"(ε, δ = {g.attrs.get('delta', np.nan):g})-DP of the iterate released at t",
                 fontsize=10)
    _legend(ax, 1)
    fig.suptitle(f"noisy SGD privacy loss: {os.path.basename(res.path)}")
    return fig


def frontier(items, order=2.0):
    """noisy_sgd privacy-utility curve: final risk R(T) against eps_order(T) over files or
    sweep points, each labelled by its noise sigma."""
    pts = []
    for label, g, res in _runs_of(items if isinstance(items, (list, tuple)) else [items]):
        pr = g["privacy"]
        orders = list(pr["orders"].values)
        if order not in orders:
            raise ValueError(f"{label}: order {order} not computed (have {orders})")
        k = orders.index(order)
        eps = pr["eps_exact"].values[k][-1]
        if np.isnan(eps):
            eps = pr["eps_spectral"].values[k][-1]
        sigma = g["theory"].attrs.get("noise.sigma", np.nan)
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


def multiclass(res, ax=None, title=None):
    """gmm_multiclass: population risk against t for every learning rate (one colour
    each), the ODE limit (line, from the largest d) and per d the Monte Carlo band between
    the 5 % and 95 % quantiles over runs, darker for larger d.  Draws into ax if given."""
    res = _res(res)
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
    _legend(ax, len(lrs), title=f"ODE; 90% MC bands, d = {', '.join(map(str, dims))}",
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


def sam_streaming(items):
    """sam_streaming: risk and effective step, theory (ODE H4-H8; dotted when the
    truncated form) against the Monte Carlo mean +- s.e., one colour per file."""
    items = items if isinstance(items, (list, tuple)) else [items]
    results = [_res(x) for x in items]
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
        _legend(ax, 2 * len(results))
    fig.suptitle("SAM family in high dimension: theory against the algorithms")
    return fig


def _first_below(t, y, theta):
    idx = np.nonzero(y < theta)[0]
    return t[idx[0]] if len(idx) else np.inf


def grok_losses(res, theta=0.1):
    """dmft_grokking (Kumar et al. Fig. 1, 4): (a) train and test loss, theory (N = inf,
    dashed) and finite-N networks (mean +- s.e.), kernel baseline and grokking times;
    (b) the test-loss decomposition (var, mis, lin); (c) weights; (d) feature alignment."""
    res = _res(res)
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
    for tt, c in ((_first_below(t, tr, theta * tr[0]), cs[0]), (_first_below(t, te, theta * te[0]), cs[1])):
        if np.isfinite(tt):
            ax[0].axvline(tt, color=c, lw=0.8, ls=":")
    titles = ["losses (dotted: grokking times)", "test loss decomposition (eq. 6)",
              "weights", "feature alignment"]
    for i, (a, title) in enumerate(zip(ax, titles)):
        a.set_xscale("log")
        a.set_xlabel(time_label(res))
        a.set_title(title, fontsize=10)
        _legend(a, entries[i])
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
    results = [_res(x) for x in items]
    fig, ax = _figure(3, width=5.2, height=4.4)
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
    _legend(ax[1], 2 * len(results))
    fig.suptitle("dmft_grokking: what is trained — theory (dashed) against finite networks")
    return fig


def family_figure(res):
    """The family's own figure for a single output (compare() where a family has none)."""
    res = _res(res)
    if res.is_sweep:
        return sweep(res)
    p = res.problem
    if p == "noisy_sgd":
        return privacy(res) if "privacy" in res else noisy_risk(res)
    if p == "gmm_multiclass":
        return multiclass(res)
    if p == "sam_streaming":
        return sam_streaming(res)
    if p == "dmft_grokking":
        return grok_losses(res)
    return compare(res)
