"""hdsim's figures as functions on loaded outputs (hdsim.load / hdsim.run results).

Each function takes a Result (or a path, loaded for you) and returns a matplotlib Figure;
the scripts in plots/ are command-line wrappers around them.  Conventions every figure
keeps: the x label says what t counts for the problem (the file's time_unit); no colour is
reused within a panel; legends sit outside the data (below or beside the axes) when a panel
has many curves; the figure title sits above the panel titles (constrained layout); sweeps
draw the Monte Carlo mean +- 1 s.e. band per point, labelled by the swept keys.

One module per family, all names re-exported here:
  common  helpers (colours, time_label, legend, ...) and compare, sweep, ladder
  lsq     streaming_lsq          noisy   noisy_sgd (risk, privacy, frontier)
  gmm     gmm_multiclass         sam     sam_quadratic, sam_streaming
  grok    dmft_grokking, grok_linear_estimator
  committee  committee
A family's new figure goes in its module, its name in that module's __all__, and, if it is
the family's own figure for a single output, a line in family_figure below.
"""
from .committee import *  # noqa: F401,F403
from .committee import __all__ as _committee
from .committee import committee
from .common import *  # noqa: F401,F403
from .common import __all__ as _common
from .common import compare, result, sweep
from .gmm import *  # noqa: F401,F403
from .gmm import __all__ as _gmm
from .gmm import multiclass
from .grok import *  # noqa: F401,F403
from .grok import __all__ as _grok
from .grok import grok_losses
from .lsq import *  # noqa: F401,F403
from .lsq import __all__ as _lsq
from .lsq import lsq_bands
from .noisy import *  # noqa: F401,F403
from .noisy import __all__ as _noisy
from .noisy import noisy_risk, privacy
from .sam import *  # noqa: F401,F403
from .sam import __all__ as _sam
from .sam import sam_streaming

__all__ = _common + _lsq + _noisy + _gmm + _sam + _grok + _committee + ["family_figure"]


def family_figure(res):
    """The family's own figure for a single output (compare() where a family has none)."""
    res = result(res)
    if res.is_sweep:
        return sweep(res)
    p = res.problem
    if p == "streaming_lsq":
        return lsq_bands(res)
    if p == "noisy_sgd":
        return privacy(res) if "privacy" in res else noisy_risk(res)
    if p == "gmm_multiclass":
        return multiclass(res)
    if p == "sam_streaming":
        return sam_streaming(res)
    if p == "dmft_grokking":
        return grok_losses(res)
    if p == "committee":
        return committee(res)
    return compare(res)
