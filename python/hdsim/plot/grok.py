"""Grokking figures and the numbers behind them (dmft_grokking, grok_linear_estimator;
docs/theory/grok.md).  Each figure function takes files (paths or Results; a sweep file
stands for its points) and returns a Figure; the *_table / *_check functions return the
numbers the plots/ scripts print and the claims they check.
"""
import os

import matplotlib.pyplot as plt
import numpy as np

from .common import colours, first_below, legend, panels, result, runs_of, time_label

__all__ = ["grok_losses", "grok_times", "grok_sweep", "grok_sweep_table", "grok_sweep_check",
           "grok_convergence", "grok_convergence_table", "grok_phase", "grok_phase_grid",
           "grok_phase_check", "grok_linear", "grok_linear_times", "grok_models"]


def _source(g):
    """The group the grokking numbers come from: the theory, else the simulation mean."""
    return "theory" if "theory" in g else "simulation"


def _curve(g, name, src=None):
    ds = g[src or _source(g)]
    return ds["t"].values, ds[name].values


def _param(g, key):
    v = g.parameters[key]
    return float(v) if not isinstance(v, str) else v


def grok_times(res, theta=0.1):
    """Grokking times of one dmft_grokking output (docs/theory/grok.md §1.3): the first
    output time with train (test) loss below theta * its initial value, their delay, the
    test bump max L_test / L_test(0) and the kernel-regression value kmse, from the theory
    (the simulation mean when the file has none)."""
    res = result(res)
    src = _source(res)
    t, tr = _curve(res, "train", src)
    _, te = _curve(res, "test_pop", src)
    ttr, tte = first_below(t, tr, theta * tr[0]), first_below(t, te, theta * te[0])
    kmse = float(res[src]["kmse"].values[0]) if "kmse" in res[src] else np.nan
    return dict(source=src, theta=theta, t_train=ttr, t_test=tte, delay=tte - ttr,
                bump=float(te.max() / te[0]), kmse=kmse)


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
    kmse = ds["kmse"].values[0] if "kmse" in ds else np.nan
    if np.isfinite(kmse):
        ax[0].axhline(kmse, color="black", lw=1, label="kernel regression, initial NTK")
        entries[0] += 1
    cs = colours(3)
    times = grok_times(res, theta)
    for tt, c in ((times["t_train"], cs[0]), (times["t_test"], cs[1])):
        if np.isfinite(tt):
            ax[0].axvline(tt, color=c, lw=0.8, ls=":")
    titles = ["losses (dotted: grokking times)", "test loss decomposition (eq. 6)",
              "weights", "feature alignment"]
    ylabels = ["loss", "part of the test loss", "norm, relative change", "alignment"]
    for i, (a, title, yl) in enumerate(zip(ax, titles, ylabels)):
        a.set_xscale("log")
        a.set_xlabel(time_label(res))
        a.set_ylabel(yl)
        a.set_title(title, fontsize=10)
        legend(a, entries[i])
    for a in (ax[0], ax[1], ax[2]):
        a.set_yscale("log")
    fig.suptitle(f"{res.problem}: {os.path.basename(res.path)}")
    return fig


def grok_sweep_table(items, key="network.alpha"):
    """Per file or sweep point, sorted by the value of key: L(t)/L(0) of test and train
    (each normalised by its own initial value, as in Kumar et al.), the test bump max
    L/L(0), the test- and train-halving times, the final test L/L(0), and kmse / L(0)."""
    rows = []
    for label, g, parent in runs_of(items):
        src = _source(g)
        t, te = _curve(g, "test_pop", src)
        _, tr = _curve(g, "train", src)
        kmse = float(g[src]["kmse"].values[0]) if "kmse" in g[src] else np.nan
        te_n, tr_n = te / te[0], tr / tr[0]
        v = _param(g, key)
        # a sweep point's label names every swept key; a plain file is named by key's value
        name = label if g is not parent else f"{key.split('.')[-1]} = {v:g}"
        rows.append(dict(v=v, t=t, te=te_n, tr=tr_n, kmse=kmse / te[0], path=label, label=name,
                         bump=float(te_n.max()), half=first_below(t, te_n, 0.5),
                         thalf=first_below(t, tr_n, 0.5), final=float(te_n[-1]), res=g))
    rows.sort(key=lambda r: r["v"])
    return rows


def grok_sweep_check(rows, name="alpha"):
    """The orderings of docs/theory/grok.md §3 claim 2 over rows sorted by alpha (a
    list of failure messages, empty when they hold): the final test loss and the
    test-halving time grow with alpha, so does the test bump (none for alpha <= 1/4, over
    1 % for alpha >= 4), and every final test loss stays below the kernel-regression
    value."""
    fails = []
    finals = [r["final"] for r in rows]
    halves = [r["half"] for r in rows]
    if any(b <= a for a, b in zip(finals, finals[1:])):
        fails.append("final test loss not increasing with " + name)
    fin = [h for h in halves if np.isfinite(h)]
    if any(b <= a for a, b in zip(fin, fin[1:])) or halves[:len(fin)] != fin:
        fails.append("test-halving time not increasing with " + name)
    bumps = [r["bump"] for r in rows]
    if any(b < a for a, b in zip(bumps, bumps[1:])):
        fails.append("test bump not growing with " + name)
    for r in rows:
        if r["v"] >= 4 and r["bump"] <= 1.01:
            fails.append(f"no test bump at {name} = {r['v']:g}")
        if r["v"] <= 0.25 and r["bump"] > 1.001:
            fails.append(f"test bump at {name} = {r['v']:g}")
        if np.isfinite(r["kmse"]) and r["final"] >= r["kmse"]:
            fails.append(f"final test loss above kernel regression at {name} = {r['v']:g}")
    return fails


def grok_sweep(items, key="network.alpha"):
    """dmft_grokking over a parameter (Kumar et al. Fig. 3(a)/(b), 7(a)): left, L(t)/L(0),
    test solid and train dashed, one colour per value of key (in order along viridis),
    with the initial-NTK kernel-regression value; right, the test- and train-halving
    times against key."""
    rows = grok_sweep_table(items, key)
    name = key.split(".")[-1]
    fig, ax = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    cmap = plt.get_cmap("viridis")
    for i, r in enumerate(rows):
        c = cmap(0.9 * i / max(1, len(rows) - 1))
        k = r["t"] > 0
        ax[0].plot(r["t"][k], r["te"][k], color=c, label=r["label"])
        ax[0].plot(r["t"][k], r["tr"][k], color=c, ls="--", lw=0.8)
    entries = len(rows)
    if np.isfinite(rows[0]["kmse"]):
        ax[0].axhline(rows[0]["kmse"], color="black", lw=1, label="kernel regression, initial NTK")
        entries += 1
    ax[0].set_xscale("log")
    ax[0].set_yscale("log")
    ax[0].set_xlabel(time_label(rows[0]["res"]))
    ax[0].set_ylabel("L(t) / L(0)")
    ax[0].set_title(f"test loss (solid), train loss (dashed), by {name}", fontsize=10)
    legend(ax[0], entries)
    v = np.array([r["v"] for r in rows])
    c2 = colours(2)
    joined = len(set(v.tolist())) == len(v)  # a line only where each value occurs once
    ax[1].plot(v, [r["half"] for r in rows], "o-" if joined else "o", color=c2[0],
               label="test: L(t) = L(0) / 2")
    ax[1].plot(v, [r["thalf"] for r in rows], "s--" if joined else "s", color=c2[1],
               label="train: L(t) = L(0) / 2")
    ax[1].set_xscale("log")
    ax[1].set_yscale("log")
    ax[1].set_xlabel(name)
    ax[1].set_ylabel(f"halving time ({time_label(rows[0]['res'])})")
    ax[1].set_title(f"halving times against {name}", fontsize=10)
    legend(ax[1], 2)
    fig.suptitle(f"dmft_grokking: sweep over {key}")
    return fig


def grok_convergence_table(items, obs="test_pop", at=(1000.0, 4000.0)):
    """Finite-width convergence to the N = infinity theory (docs/theory/grok.md §2.3): per
    width N (sorted), the RMS over runs of (run - theory), the seed-mean bias and its
    standard error at every output time; marks: the output times nearest to `at`; slopes:
    per mark, the least-squares slope of log RMS against log N over all N and over the
    largest four."""
    rows = []
    for label, g, _ in runs_of(items):
        th = g["theory"][obs].values
        runs = g["simulation"][f"{obs}_runs"].values
        dev = runs - th[None, :]
        rows.append(dict(N=int(_param(g, "network.N")), t=g["theory"]["t"].values, path=label,
                         rms=np.sqrt(np.nanmean(dev ** 2, axis=0)), bias=np.nanmean(dev, axis=0),
                         se=np.nanstd(dev, axis=0, ddof=1) / np.sqrt(dev.shape[0]), res=g))
    rows.sort(key=lambda r: r["N"])
    t = rows[0]["t"]
    marks = list(dict.fromkeys(int(np.argmin(np.abs(t - tm))) for tm in at))
    N = np.array([r["N"] for r in rows], float)
    slopes = []
    for j in marks:
        rms = np.array([r["rms"][j] for r in rows])
        all_n = np.polyfit(np.log(N), np.log(rms), 1)[0] if len(N) >= 2 else np.nan
        tail = np.polyfit(np.log(N[-4:]), np.log(rms[-4:]), 1)[0] if len(N) >= 4 else np.nan
        slopes.append((float(t[j]), all_n, tail))
    return rows, marks, slopes


def grok_convergence(items, obs="test_pop"):
    """dmft_grokking at several widths N against the N = infinity theory: left, the RMS
    over runs of (run - theory) against t, one colour per N; right, that RMS against N at
    the marked times with the fitted slopes and an N^-1/2 guide."""
    rows, marks, slopes = grok_convergence_table(items, obs)
    t = rows[0]["t"]
    fig, ax = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    cmap = plt.get_cmap("plasma")
    k = t > 0
    for i, r in enumerate(rows):
        ax[0].plot(t[k], r["rms"][k], color=cmap(0.85 * i / max(1, len(rows) - 1)),
                   label=f"N = {r['N']}")
    N = np.array([r["N"] for r in rows], float)
    cs = colours(len(marks))
    for c, j, m, (tj, slope, _) in zip(cs, marks, ("o-", "s-"), slopes):
        ax[1].plot(N, [r["rms"][j] for r in rows], m, color=c, label=f"t = {tj:g}, slope {slope:.2f}")
    ax[1].plot(N, rows[0]["rms"][marks[0]] * np.sqrt(N[0] / N), "k:", lw=1, label="N^-1/2")
    for a in ax:
        a.set_xscale("log")
        a.set_yscale("log")
    ax[0].set_xlabel(time_label(rows[0]["res"]))
    ax[0].set_ylabel(f"RMS over runs of {obs} − theory")
    ax[0].set_title("distance to the N = ∞ theory", fontsize=10)
    legend(ax[0], len(rows))
    ax[1].set_xlabel("width N")
    ax[1].set_ylabel(f"RMS over runs of {obs} − theory")
    ax[1].set_title("against the width", fontsize=10)
    legend(ax[1], len(marks) + 1)
    fig.suptitle("dmft_grokking: finite-width networks against the N = ∞ theory")
    return fig


def grok_phase_grid(items, theta=0.1):
    """The amount of grokking (Kumar et al. Fig. 3(e)) over network.alpha x network.eps:
    max(0, t_test(theta) - t_train(theta)), t(theta) the first output time with loss <
    theta (absolute, docs/theory/grok.md §1.3), NaN where a loss never gets below theta.
    Returns (alphas, epss, A) with A[i, j] at eps = epss[i], alpha = alphas[j]."""
    cells = {}
    for _, g, _ in runs_of(items):
        src = _source(g)
        t, tr = _curve(g, "train", src)
        _, te = _curve(g, "test_pop", src)
        ttr, tte = first_below(t, tr, theta), first_below(t, te, theta)
        key = (float(_param(g, "network.alpha")), float(_param(g, "network.eps")))
        cells[key] = max(0.0, tte - ttr) if np.isfinite(tte) and np.isfinite(ttr) else np.nan
    alphas = sorted({k[0] for k in cells})
    epss = sorted({k[1] for k in cells})
    A = np.array([[cells.get((a, e), np.nan) for a in alphas] for e in epss])
    return alphas, epss, A


def grok_phase_check(alphas, epss, A):
    """Claim 4 of docs/theory/grok.md §3 (failure messages, empty when it holds): the
    amount grows with alpha at the smallest eps, falls with eps at the smallest alpha, and
    its maximum lies in the large-alpha, small-eps quarter."""
    if np.isnan(A).all():
        return ["no point generalises"]
    i, j = np.unravel_index(np.nanargmax(A), A.shape)
    fails = []
    row, col = A[0, :], A[:, 0]
    row, col = row[np.isfinite(row)], col[np.isfinite(col)]
    if not np.all(np.diff(row) >= -0.05 * np.max(row, initial=0)):
        fails.append("amount does not grow with alpha at the smallest eps")
    if not np.all(np.diff(col) <= 0.05 * np.max(col, initial=0)):
        fails.append("amount does not fall with eps at the smallest alpha")
    if not (j >= len(alphas) // 2 and i < len(epss) // 2):
        fails.append("maximum not in the large-alpha, small-eps quarter")
    return fails


def grok_phase(items, theta=0.1):
    """Phase diagram of the amount of grokking over alpha (laziness) x eps (initial
    alignment); cells whose test loss never reaches theta are grey and marked 'never'."""
    alphas, epss, A = grok_phase_grid(items, theta)
    fig, ax = plt.subplots(figsize=(7.5, 5.8), layout="constrained")
    cmap = plt.get_cmap("magma").copy()
    cmap.set_bad("0.75")
    im = ax.pcolormesh(np.arange(len(alphas) + 1), np.arange(len(epss) + 1),
                       np.ma.masked_invalid(A), cmap=cmap)
    fig.colorbar(im, ax=ax, label=f"amount of grokking t_test({theta:g}) − t_train({theta:g})")
    for i in range(len(epss)):
        for j in range(len(alphas)):
            ax.text(j + 0.5, i + 0.5, "never" if np.isnan(A[i, j]) else f"{A[i, j]:.3g}",
                    ha="center", va="center", fontsize=7,
                    color="black" if np.isnan(A[i, j]) else "white")
    ax.set_xticks(np.arange(len(alphas)) + 0.5, [f"{v:g}" for v in alphas])
    ax.set_yticks(np.arange(len(epss)) + 0.5, [f"{v:g}" for v in epss])
    ax.set_xlabel("alpha (laziness)")
    ax.set_ylabel("eps (initial alignment)")
    ax.set_title(f"amount of grokking (grey: test loss never below θ = {theta:g})", fontsize=10)
    fig.suptitle("dmft_grokking: Fig. 3(e) of Kumar et al.")
    return fig


def grok_linear_times(res):
    """grok_linear_estimator (docs/theory/grok.md §4.1): the times t_train, t_gen at which
    the train and generalisation losses cross eps_acc / 4 (accuracy about 95 %), their
    delay, and for lambda < 1 the late-time prediction
    ln(1 / (1 - sqrt(lambda))) / (2 eta (1 - sqrt(lambda))^2)."""
    res = result(res)
    lam, eta = float(res.parameters["data.lambda"]), float(res.parameters["optimizer.eta"])
    eps = float(res.parameters["observables.acc_eps"])
    src = _source(res)
    t, tr = _curve(res, "train", src)
    _, ge = _curve(res, "gen", src)
    ttr, tge = first_below(t, tr, eps / 4), first_below(t, ge, eps / 4)
    s = np.sqrt(lam)
    late = np.log(1 / (1 - s)) / (2 * eta * (1 - s) ** 2) if lam < 1 else np.nan
    return dict(source=src, lam=lam, eta=eta, eps_acc=eps, t_train=ttr, t_gen=tge,
                delay=tge - ttr, late_delay=late)


def grok_linear(res):
    """grok_linear_estimator (Levi et al.): left, train and generalisation losses, theory
    (dashed) and the finite-d Monte Carlo mean (solid), with the level eps_acc / 4; right,
    the accuracies erf(sqrt(eps_acc / 2L))."""
    res = result(res)
    tm = grok_linear_times(res)
    fig, ax = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    cs = colours(2)
    entries = [0, 0]
    for src, ls, what in (("theory", "--", "theory"), ("simulation", "-", "Monte Carlo mean")):
        if src not in res:
            continue
        for i, names in enumerate((("train", "gen"), ("acc_train", "acc_gen"))):
            for c, name in zip(cs, names):
                t, y = _curve(res, name, src)
                k = t > 0
                ax[i].plot(t[k], y[k], ls=ls, color=c, label=f"{name} ({what})")
                entries[i] += 1
    ax[0].axhline(tm["eps_acc"] / 4, color="black", lw=0.8, label="eps_acc / 4")
    entries[0] += 1
    for a, n in zip(ax, entries):
        a.set_xscale("log")
        a.set_xlabel(time_label(res))
        legend(a, n)
    ax[0].set_yscale("log")
    ax[0].set_ylabel("loss")
    ax[0].set_title(f"losses, λ = {tm['lam']:g}, η = {tm['eta']:g}", fontsize=10)
    ax[1].set_ylabel("accuracy")
    ax[1].set_title("accuracy erf(√(eps_acc / 2L))", fontsize=10)
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
    for a, title, yl in zip(ax, ("train loss", "test loss (population, eq. 6)",
                                 "relative parameter change"),
                            ("train loss", "population test loss", "relative parameter change")):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_ylabel(yl)
        a.set_xlabel(time_label(results[0]))
        a.set_title(title, fontsize=10)
    legend(ax[1], 2 * len(results))
    fig.suptitle("dmft_grokking: what is trained — theory (dashed) against finite networks")
    return fig
