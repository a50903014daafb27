"""gmm_multiclass figures (docs/theory/gmm.md): risk against t per learning rate with
Monte Carlo quantile bands per dimension, Figure 1 of arXiv 2510.14074 (four such
panels), the spectral bands SGD learns, and the beta phase transition.
"""
import os
import re

import matplotlib.pyplot as plt
import numpy as np

from .common import (colours, legend, result, stationary_line, stationary_unlabelled,
                     time_label)

__all__ = ["multiclass", "multiclass_figure1", "MULTICLASS_TITLES", "multiclass_bands",
           "multiclass_beta", "multiclass_beta_table"]


def _stationary_risk(g):
    """The t = infinity risk of a point's groups (a Result, or a dict of a sweep point's)."""
    st = g.get("theory/stationary")
    return float(st["risk"].values[0]) if st is not None and "risk" in st else None


def multiclass(res, ax=None, title=None):
    """gmm_multiclass: population risk against t for every learning rate (one colour
    each), the ODE limit (line, from the largest d) and per d the Monte Carlo band between
    the 5 % and 95 % quantiles over runs, darker for larger d; the ODE's t = infinity risk
    dotted ("t = ∞") where the file has it.  Draws into ax if given."""
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
    ax.set_yscale("log")
    n_inf = 0
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
            n_inf += stationary_line(ax, _stationary_risk(g), c, label=stationary_unlabelled(ax))
    ax.set_xscale("log")
    ax.set_title(title or f"{res.problem}: {os.path.basename(res.path)}", fontsize=10)
    ax.set_xlabel(time_label(res))
    ax.set_ylabel("population risk")
    legend(ax, len(lrs) + n_inf, title=f"ODE; 90% MC bands, d = {', '.join(map(str, dims))}",
            title_fontsize=7)
    return ax.figure


MULTICLASS_TITLES = ["(a) isotropic, Gaussian mean", "(b) zero-one, mean in clean directions",
                     r"(c) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0",
                     r"(d) power law $\alpha$ = 1.1, 1.5, $\beta$ = 0.5"]


def multiclass_figure1(items):
    """The paper's Figure 1 (four gmm_multiclass sweeps, panels a-d)."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 10), layout="constrained")
    loaded = {}  # a file named twice is read once
    for ax, item, title in zip(axes.ravel(), items, MULTICLASS_TITLES):
        key = os.path.abspath(item) if isinstance(item, (str, os.PathLike)) else id(item)
        loaded.setdefault(key, result(item))
        multiclass(loaded[key], ax=ax, title=title)
    fig.suptitle("Binary logistic SGD on two-class Gaussian mixtures (Figure 1 of arXiv 2510.14074)")
    return fig


def _bands(ds):
    return sorted({int(m.group(1)) for n in ds.data_vars
                   for m in [re.match(r"band_(\d+)_norm$", str(n))] if m})


def multiclass_bands(res):
    """Which directions SGD learns (docs/theory/gmm.md §1.4, §3.2): the mean overlap
    (margin) and the projected norm carried by each spectral band against t, theory as
    lines and the Monte Carlo mean as dots, and each band's share of the total margin
    (with a clean band of zero-variance modes its share is the phase-transition
    diagnostic: it tends to 1 when the loss goes to zero)."""
    res = result(res)
    base = res.get("theory", res.get("simulation"))
    bands = _bands(base)
    if not bands:
        raise ValueError(f"{res.path}: no band observables (needs >= 2 spectral bands)")
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2), layout="constrained")
    cs = colours(len(bands))
    sources = [(g, style) for g, style in (("theory", "-"), ("simulation", "o")) if g in res]
    total = {g: sum(res[g][f"band_{k}_margin"].values for k in bands) for g, _ in sources}
    for k, c in zip(bands, cs):
        desc = str(base[f"band_{k}_norm"].attrs.get("description", ""))
        name = "clean band" if "clean" in desc else f"band {k}"
        for g, style in sources:
            ds = res[g]
            t = ds["t"].values
            keep = t > 0
            what = "theory" if g == "theory" else "Monte Carlo mean"
            kw = dict(color=c, lw=1.3) if style == "-" else dict(color=c, ms=3, ls="none")
            margin, norm = ds[f"band_{k}_margin"].values, ds[f"band_{k}_norm"].values
            with np.errstate(invalid="ignore", divide="ignore"):
                share = margin / total[g]
            for ax, y in zip(axes, (margin, norm, share)):
                ax.plot(t[keep], y[keep], style, label=f"{name} ({what})", **kw)
    for ax, title in zip(axes, ("mean overlap (margin) per band", "projected norm per band",
                                "share of the margin per band")):
        ax.set_xscale("log")
        ax.set_xlabel(time_label(res))
        ax.set_title(title, fontsize=10)
        legend(ax, len(bands) * len(sources))
    axes[0].set_ylabel("margin carried by the band")
    axes[1].set_ylabel("projected norm")
    axes[1].set_yscale("log")
    axes[2].set_ylabel("share of the total margin")
    fig.suptitle(f"{res.problem}: {os.path.basename(res.path)} (lines theory, dots Monte Carlo mean)")
    return fig


ALPHA_MIN = 1.1


def _slope(t, R, t0, t1):
    i, j = np.argmin(abs(np.log(t / t0))), np.argmin(abs(np.log(t / t1)))
    return (np.log(R[j]) - np.log(R[i])) / (np.log(t[j]) - np.log(t[i]))


def multiclass_beta_table(sweep, plateau=None):
    """The beta phase transition (docs/theory/gmm.md §3.2) from a sweep over
    data.mean_beta (d -> infinity theory) and optionally a finite-d run at beta = 0.5.
    Returns (rows, plateau_row, failures): per beta the risk curve, R at 1e4, 1e6 and the
    end, the fitted exponent over 1e4..1e6 and at the end, the phase; the finite-d
    plateau's ODE and Monte Carlo values; and the failed assertions (beta = 0 decays like
    t^-0.48; beta >= 0.2 reaches a plateau; the Monte Carlo within 4 s.e. + 2 % of the
    ODE)."""
    sw = result(sweep)
    if "mean_beta" not in sw.swept_keys:
        raise ValueError(f"{sw.path}: not a sweep over data.mean_beta")
    rows, failures = [], []
    for p in sw.points():
        beta = float(p.parameters["data.mean_beta"])
        t, R = p["theory"]["t"].values, p["theory"]["risk"].values
        keep = t > 0
        t, R = t[keep], R[keep]
        s_long, s_end = _slope(t, R, 1e4, 1e6), _slope(t, R, t[-1] / 3, t[-1])
        phase = "falling" if s_end < -0.1 else "plateau" if abs(s_end) < 0.01 else "slow"
        rows.append(dict(beta=beta, crit=ALPHA_MIN - 2 * beta, t=t, R=R, s_long=s_long,
                         s_end=s_end, phase=phase, R4=np.interp(1e4, t, R),
                         R6=np.interp(1e6, t, R), R_end=R[-1], res=p))
        if beta == 0 and not (-0.55 < s_long < -0.40):
            failures.append(f"beta = 0: exponent {s_long:.3f} over 1e4..1e6, expected about -0.48")
        if beta >= 0.2 and not (abs(s_end) < 0.01 and R[-1] > 0.05):
            failures.append(f"beta = {beta}: no plateau by t = {t[-1]:g} "
                            f"(exponent {s_end:.4f}, R {R[-1]:.4g})")
    rows.sort(key=lambda r: r["beta"])
    pl = None
    if plateau is not None:
        pr = result(plateau)
        sim = pr["simulation"]
        t, m, se = sim["t"].values, sim["risk"].values, sim["risk_stderr"].values
        th = pr["theory"]["risk"].values
        keep = t > 0
        pl = dict(t=t, mean=m, se=se, theory=th, keep=keep, res=pr,
                  d=int(pr.parameters["data.d"]), beta=float(pr.parameters["data.mean_beta"]))
        if (np.abs(m - th)[keep] > (4 * se + 0.02 * th)[keep]).any():
            failures.append(f"beta = {pl['beta']:g} finite-d plateau: Monte Carlo off the ODE "
                            "by more than 4 s.e. + 2%")
    return rows, pl, failures


def multiclass_beta(sweep, plateau=None):
    """The beta phase transition: R(t) per beta (d -> infinity ODE), its local exponent
    dlog R / dlog t, and, given the finite-d run, its plateau against the Monte Carlo."""
    rows, pl, _ = multiclass_beta_table(sweep, plateau)
    fig, axes = plt.subplots(1, 3 if pl else 2, figsize=(17 if pl else 12, 5.2),
                             layout="constrained")
    cmap = plt.get_cmap("plasma")
    for i, r in enumerate(rows):
        c = cmap(0.85 * i / max(1, len(rows) - 1))
        axes[0].plot(r["t"], r["R"], color=c,
                     label=rf"$\beta$ = {r['beta']:g} ($\alpha_{{min}}-2\beta$ = {r['crit']:.2f})")
        lt, lr = np.log(r["t"]), np.log(r["R"])
        axes[1].plot(r["t"][1:], np.diff(lr) / np.diff(lt), color=c, label=rf"$\beta$ = {r['beta']:g}")
    tl = time_label(rows[0]["res"])
    for ax in axes[:2]:
        ax.set_xscale("log")
        ax.set_xlabel(tl)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("population risk (d → ∞ ODE)")
    axes[0].set_title(r"loss → 0 iff $\alpha_{min} - 2\beta \geq 1$ (gmm.md §3.2)", fontsize=10)
    legend(axes[0], len(rows))
    axes[1].set_ylabel("local exponent dlog R / dlog t")
    axes[1].axhline(-0.48, color="grey", ls=":", lw=1, label="t^-0.48")
    axes[1].set_title(r"$\beta$ = 0 decays like t^-0.48; $\beta$ > 0.05 flattens", fontsize=10)
    legend(axes[1], len(rows) + 1)
    if pl:
        ax, k = axes[2], pl["keep"]
        c2 = colours(2)
        ax.fill_between(pl["t"][k], (pl["mean"] - 2 * pl["se"])[k], (pl["mean"] + 2 * pl["se"])[k],
                        color=c2[0], alpha=0.4, lw=0, label="Monte Carlo mean ± 2 s.e.")
        ax.plot(pl["t"][k], pl["theory"][k], "--", color="black", label="per-mode ODE")
        ax.set_xscale("log")
        ax.set_xlabel(time_label(pl["res"]))
        ax.set_ylabel("population risk")
        ax.set_title(rf"$\beta$ = {pl['beta']:g} plateau at d = {pl['d']}", fontsize=10)
        legend(ax, 2)
    fig.suptitle("gmm_multiclass: the mean-profile exponent β and the loss plateau")
    return fig
