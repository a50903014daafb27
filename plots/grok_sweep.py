#!/usr/bin/env python3
"""A parameter sweep of dmft_grokking files (Kumar et al. Fig. 3(a)/(b), 7(a)).

usage: python3 plots/grok_sweep.py [--key network.alpha] [--check] [-o FIG.png] FILE.h5 ...

The files are single runs or [sweep] files (every point is used), e.g. out/grok_fig3a.h5.

Plots L(t)/L(0) (test solid, train dashed; each curve normalised by its own initial
value, as in the paper) coloured by the swept key, with the initial-NTK kernel
regression value.  Prints per file: the test bump max L/L(0), the test-halving time,
the train-halving time and the final L/L(0).  With --check (key network.alpha), exits 1
unless the orderings of spec §3.1 claim 2 hold: the delay and the final test loss grow
with alpha, the test bump grows with alpha (none for alpha <= 1/4, > 1 % for alpha >= 4;
alpha = 1 lies between and depends on the dataset draw), and every final test loss stays
below the kernel-regression value, approached as alpha grows.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grok_common import report, option, curve, first_below, groups, np, param  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    args = list(argv[1:])
    key, out, check = "network.alpha", None, False
    key = option(args, "--key", key)
    out = option(args, "-o", out)
    if "--check" in args:
        args.remove("--check")
        check = True
    if not args:
        sys.exit(__doc__)
    section, name = key.split(".")
    rows = []
    for label, f in groups(args):
        src = "theory" if "theory" in f else "simulation"
        t, te = curve(f, "test_pop", src)
        _, tr = curve(f, "train", src)
        kmse = curve(f, "kmse", src)[1][0] if "kmse" in f[src] else np.nan
        rows.append(dict(v=float(param(f, section, name)), t=t, te=te / te[0], tr=tr / tr[0],
                         kmse=kmse / te[0], path=label))
    rows.sort(key=lambda r: r["v"])
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    cmap = plt.get_cmap("viridis")
    print(f"{name:>10} {'bump':>7} {'t_test/2':>9} {'t_train/2':>9} {'final':>8}")
    for i, r in enumerate(rows):
        c = cmap(i / max(1, len(rows) - 1))
        k = r["t"] > 0
        ax[0].plot(r["t"][k], r["te"][k], color=c, label=f"{name} = {r['v']:g}")
        ax[0].plot(r["t"][k], r["tr"][k], color=c, ls="--", lw=0.8)
        r["bump"] = r["te"].max()
        r["half"] = first_below(r["t"], r["te"], 0.5)
        r["thalf"] = first_below(r["t"], r["tr"], 0.5)
        r["final"] = r["te"][-1]
        print(f"{r['v']:>10g} {r['bump']:>7.3f} {r['half']:>9g} {r['thalf']:>9g} {r['final']:>8.4f}")
    if np.isfinite(rows[0]["kmse"]):
        ax[0].axhline(rows[0]["kmse"], color="black", lw=1, label="kernel regression")
    ax[0].set_xscale("log")
    ax[0].set_yscale("log")
    ax[0].set_xlabel("t (GD steps)")
    ax[0].set_ylabel("L(t) / L(0)   (test solid, train dashed)")
    ax[0].legend(fontsize=7)
    v = np.array([r["v"] for r in rows])
    ax[1].plot(v, [r["half"] for r in rows], "o-", label="test halving time")
    ax[1].plot(v, [r["thalf"] for r in rows], "s--", label="train halving time")
    ax[1].set_xscale("log")
    ax[1].set_yscale("log")
    ax[1].set_xlabel(name)
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    out = out or os.path.splitext(args[0])[0] + "_sweep.png"
    fig.savefig(out, dpi=110)
    print(out)
    if check:
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
        report(fails, "the orderings of spec §3.1 claim 2 hold")


if __name__ == "__main__":
    main(sys.argv)
