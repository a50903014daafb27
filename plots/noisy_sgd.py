#!/usr/bin/env python3
"""Figures for the noisy_sgd family (noisy_sgd_privacy.md).

usage: python3 plots/noisy_sgd.py risk     OUT.h5 [OUT2.h5 ...] [-o FIG.png] [--log]
(risk and frontier also read a sweep file: one curve / point per /points/K)
       python3 plots/noisy_sgd.py privacy  OUT.h5 [-o FIG.png]
       python3 plots/noisy_sgd.py frontier OUT.h5 OUT2.h5 ... [-o FIG.png] [--order A]

risk:     risk vs t, one curve per file (e.g. a sigma sweep): theory (line), Monte Carlo
          mean +- 1 s.e. (band), and for a single file the bias / variance split (NS-4')
          and the stationary risk R_inf (NS-6).
privacy:  eps_alpha(t) per order: exact O(d) formula (NS-10, solid), d -> infinity
          spectral formula (NS-11, dashed), the clipped variant's accountants (dotted),
          +inf marked at the top; the pair's residual profiles r_1(s), r_2(s); the
          (eps, delta)-DP curve.
frontier: the privacy-utility curve: final risk R(T) against eps_alpha(T) over files
          (a sweep of sigma, gamma, delta or T), labelled by sigma.
"""
import os
import sys

from hdsim_plot import option, text  # re-executes with Debian's python3 if needed
import h5py
import numpy as np
import matplotlib.pyplot as plt  # noqa: E402


def param(f, key, default=float("nan")):
    a = f["parameters"].attrs
    return a[key] if key in a else default


def results(paths):
    """(label, group) for every result: a plain output file, or each point of a sweep."""
    for path in paths:
        f = h5py.File(path, "r")
        if "points" in f:
            for k in sorted(f["points"], key=int):
                yield f"{os.path.basename(path)}[{k}]", f["points"][k]
        else:
            yield os.path.basename(path), f


def risk(paths, out, logscale):
    items = list(results(paths))
    single = len(items) == 1
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for k, (_, f) in enumerate(items):
        if True:
            sig = float(param(f, "noise.sigma"))
            col = f"C{k}"
            lab = f"sigma = {sig:g}"
            if "theory" in f:
                ax.plot(f["theory/t"][()], f["theory/risk"][()], color=col, label=lab + " theory")
            if "simulation" in f:
                t, m = f["simulation/t"][()], f["simulation/risk/mean"][()]
                se = f["simulation/risk/stderr"][()]
                ax.fill_between(t, m - se, m + se, color=col, alpha=0.25, lw=0)
                ax.plot(t, m, "o", ms=2.5, color=col, label=lab + " MC mean +- s.e.")
            if single and "risk_parts/bias" in f:
                g = f["risk_parts"]
                ax.plot(g["t"][()], g["bias"][()], "--", color="C7", label="bias R_b")
                ax.plot(g["t"][()], g["variance"][()], ":", color="C7", label="variance part")
            if "risk_parts" in f:
                rinf = float(f["risk_parts"].attrs.get("stationary_risk", np.nan))
                if np.isfinite(rinf):
                    ax.axhline(rinf, color=col, lw=0.8, ls="-.",
                               label="R_inf (NS-6)" if single else None)
    ax.set_xlabel("t = steps B / d")
    ax.set_ylabel("population risk")
    if logscale:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax.set_title("noisy SGD: risk dynamics")
    fig.tight_layout()
    fig.savefig(out, dpi=130)


def privacy(path, out):
    with h5py.File(path, "r") as f:
        if "privacy" not in f:
            sys.exit(f"{path}: no /privacy group ([privacy] enabled = false)")
        g = f["privacy"]
        t, orders = g["t"][()], g["orders"][()]
        ex, sp = g["eps_exact"][()], g["eps_spectral"][()]
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
        ax = axes[0]
        finite = np.concatenate([v[np.isfinite(v)] for v in (ex.ravel(), sp.ravel())] + [[1e-12]])
        top = 3 * finite.max()
        for k, a in enumerate(orders):
            lab = "KL" if a == 1 else f"alpha = {a:g}"
            for arr, ls, what in ((ex, "-", "NS-10"), (sp, "--", "NS-11")):
                y = arr[k]
                if np.all(np.isnan(y)):
                    continue
                inf = np.isinf(y)
                ax.plot(t[~inf], y[~inf], ls, color=f"C{k}", label=f"{lab} ({what})")
                if inf.any():
                    ax.plot(t[inf], np.full(inf.sum(), top), "^", color=f"C{k}",
                            label=f"{lab}: +inf ({what})")
            for name, ls in (("accountant_composition", ":"), ("accountant_ye_shokri", "-.")):
                if name in g and a > 1:
                    ax.plot(t, g[name][k], ls, color=f"C{k}", lw=0.9,
                            label=f"{lab}: {name.split('_', 1)[1]} (clip c = "
                                  f"{g.attrs.get('accountant_clip', np.nan):g})")
        ax.set_yscale("log")
        ax.set_xlabel("release time t")
        ax.set_ylabel("eps_alpha(t)  (NS-9 bound)")
        r = text(g.attrs.get("reason", b""))
        ax.set_title(f"pair ({int(g.attrs['record_1'])}, {int(g.attrs['record_2'])}), "
                     f"alpha_max = {g.attrs.get('alpha_max', np.nan):.3g}", fontsize=9)
        if r:
            ax.text(0.02, 0.02, r[:110] + ("..." if len(r) > 110 else ""), transform=ax.transAxes,
                    fontsize=6, va="bottom")
        ax.legend(fontsize=6)
        ax = axes[1]
        ax.plot(g["s"][()], g["r1"][()], label="r_1(s) (record in D)")
        ax.plot(g["s"][()], g["r2"][()], label="r_2(s) (record in D')")
        ax.set_xlabel("processing time s")
        ax.set_ylabel("residual at the mean iterate")
        ax.legend(fontsize=7)
        ax = axes[2]
        dp = g["eps_dp"][()]
        ok = np.isfinite(dp)
        ax.plot(t[ok], dp[ok])
        ax.set_xlabel("release time t")
        ax.set_ylabel(f"(eps, delta = {g.attrs.get('delta', np.nan):g})-DP")
        fig.suptitle(f"noisy SGD privacy loss: {os.path.basename(path)}")
        fig.tight_layout()
        fig.savefig(out, dpi=130)


def frontier(paths, out, order):
    pts = []
    for path, f in results(paths):
        if True:
            if "privacy" not in f:
                sys.exit(f"{path}: no /privacy group")
            g = f["privacy"]
            orders = list(g["orders"][()])
            if order not in orders:
                sys.exit(f"{path}: order {order} not computed (have {orders})")
            k = orders.index(order)
            eps = g["eps_exact"][k][-1]
            if np.isnan(eps):
                eps = g["eps_spectral"][k][-1]
            th = f["theory/risk"][()]
            pts.append((float(param(f, "noise.sigma")), eps, th[-1]))
    pts.sort()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    e = np.array([p[1] for p in pts])
    r = np.array([p[2] for p in pts])
    ax.plot(e, r, "o-")
    for s, x, y in pts:
        ax.annotate(f"sigma {s:g}", (x, y), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel(f"eps_{order:g}(T)" if order != 1 else "KL bound at T")
    ax.set_ylabel("risk R(T)")
    ax.set_title("privacy-utility trade-off")
    fig.tight_layout()
    fig.savefig(out, dpi=130)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("risk", "privacy", "frontier"):
        sys.exit(__doc__)
    mode, rest = argv[1], list(argv[2:])
    out = option(rest, "-o")
    order = float(option(rest, "--order", "2"))
    logscale = "--log" in rest
    rest = [a for a in rest if a != "--log"]
    if not rest:
        sys.exit(__doc__)
    out = out or os.path.splitext(rest[0])[0] + f"_{mode}.png"
    if mode == "risk":
        risk(rest, out, logscale)
    elif mode == "privacy":
        privacy(rest[0], out)
    else:
        frontier(rest, out, order)
    print(out)


if __name__ == "__main__":
    main(sys.argv)
