"""hdsim.plot renders each family's figure and the generic ones for small runs of shipped
models, checked on the matplotlib objects: panels, labels, lines, distinct colours, x
labels that say what t is, legends clear of the curves, the figure title clear of the
panel titles, no 'nan' in any title; the plots/ scripts answer --help."""
import glob
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import hdsim  # noqa: E402
import hdsim.plot as hp  # noqa: E402
from small_models import ROOT, SMALL  # noqa: E402


def labelled_lines(ax):
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def check_figure(fig, time_unit=None):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    sup = fig._suptitle
    for ax in fig.axes:
        if not ax.axison:
            continue
        title = ax.title.get_text()
        assert "nan" not in title.lower().split(), title
        if sup is not None and title:
            assert not sup.get_window_extent(renderer).overlaps(
                ax.title.get_window_extent(renderer)), f"suptitle covers '{title}'"
        cols = [to_rgba(ln.get_color()) for ln in labelled_lines(ax)
                if ln.get_linestyle() not in ("None", "") or ln.get_marker() not in ("None", "")]
        styles = [(to_rgba(ln.get_color()), ln.get_linestyle(), ln.get_marker())
                  for ln in labelled_lines(ax)]
        assert len(set(styles)) == len(styles), f"two curves look alike in '{title}'"
        del cols
        if time_unit and ax.get_xlabel().startswith(("t", "release")) and ax.get_xscale():
            if "t" in ax.get_xlabel().split()[:3] or ax.get_xlabel().startswith("t"):
                assert time_unit in ax.get_xlabel(), (ax.get_xlabel(), time_unit)
        leg = ax.get_legend()
        if leg is not None:
            box = leg.get_window_extent(renderer)
            for ln in ax.get_lines():
                xy = ax.transData.transform(np.column_stack(ln.get_data()).astype(float))
                xy = xy[np.all(np.isfinite(xy), axis=1)]
                inside = (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & \
                         (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)
                assert not inside.any(), f"legend of '{title}' covers {ln.get_label()}"


@pytest.fixture(scope="module")
def loaded(outputs):
    return {p: hdsim.load(path) for p, path in outputs.items()}


@pytest.mark.parametrize("problem", sorted(SMALL))
def test_compare_every_problem(loaded, problem):
    res = loaded[problem]
    fig = hp.compare(res, runs=False)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == len(res.observables) + 1
    for ax, name in zip(panels, res.observables):
        assert ax.get_title() == name and ax.get_ylabel().startswith(name)
        assert ax.get_xlabel() == res.time_unit
        n_lines = len(ax.get_lines())
        assert n_lines == ("theory" in res) + ("simulation" in res), (name, n_lines)
    check_figure(fig, res.time_unit)
    plt.close(fig)


@pytest.mark.parametrize("problem", sorted(SMALL))
def test_family_figure_every_problem(loaded, problem):
    fig = hp.family_figure(loaded[problem])
    assert any(ax.get_lines() or ax.collections for ax in fig.axes)
    check_figure(fig, loaded[problem].time_unit)
    plt.close(fig)


def test_privacy_figure(loaded):
    res = loaded["noisy_sgd"]
    fig = hp.privacy(res)
    eps, resid, dp = fig.axes[:3]
    assert "released at" in eps.get_ylabel() and eps.get_xlabel().startswith("release time")
    n_orders = res["privacy"].sizes["orders"]
    curves = [ln for ln in labelled_lines(eps)]
    assert len(curves) >= n_orders  # at least one curve per order
    clipped = [ln.get_label() for ln in curves if "accountant" in ln.get_label()]
    assert all("clipped variant" in lab for lab in clipped)
    assert len(labelled_lines(resid)) == 2 and len(labelled_lines(dp)) == 1
    check_figure(fig, res.time_unit)
    plt.close(fig)


def test_sweep_figure(sweep_file):
    res = hdsim.load(sweep_file)
    fig = hp.sweep(res, "risk")
    a = fig.axes[0]
    n = res["sweep/simulation"].sizes["point"]
    assert len(labelled_lines(a)) == n and len(a.get_lines()) == 2 * n
    assert len(a.collections) == n  # one s.e. band per point
    labels = [ln.get_label() for ln in labelled_lines(a)]
    assert all("lr = " in lab and "label_noise = " in lab for lab in labels)
    assert len(set(labels)) == n
    check_figure(fig, res.time_unit)
    plt.close(fig)


def test_ladder_figure(ladder_file):
    fig = hp.ladder(ladder_file)
    a, b = fig.axes[:2]
    assert a.get_xscale() == "log" and len(labelled_lines(a)) == 2
    assert len(labelled_lines(b)) == 3
    check_figure(fig)
    plt.close(fig)


def test_scripts_help():
    scripts = [s for s in glob.glob(os.path.join(ROOT, "plots", "*.py"))
               if os.path.basename(s) not in ("hdsim_plot.py", "grok_common.py")]
    assert len(scripts) >= 10
    for s in scripts:
        r = subprocess.run([sys.executable, s, "--help"], capture_output=True, text=True)
        assert r.returncode == 0 and len(r.stdout) > 40, (s, r.stderr[-300:])


def test_script_writes_figure(outputs, tmp_path):
    out = tmp_path / "c.png"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "plots", "compare.py"),
                        outputs["streaming_lsq"], "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 20000


def test_checker_catches_bad_figures():
    """The figure checks above can fail: a reused colour, a legend over a curve, a
    suptitle over a panel title, a 'nan' title."""
    def bad(build):
        fig, ax = plt.subplots()
        build(fig, ax)
        with pytest.raises(AssertionError):
            check_figure(fig)
        plt.close(fig)
    x = np.linspace(0, 1, 50)
    bad(lambda f, a: (a.plot(x, x, color="C0", label="a"), a.plot(x, x ** 2, color="C0", label="b")))
    bad(lambda f, a: (a.plot(x, 0.5 + 0 * x, label="flat"),
                      a.legend(loc="center", fontsize=20)))
    bad(lambda f, a: (a.set_title("risk = nan"),))
    def covered(f, a):
        a.set_title("panel")
        f.subplots_adjust(top=0.88)
        f.suptitle("figure", y=0.92)
    bad(covered)
