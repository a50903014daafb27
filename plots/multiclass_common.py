"""Shared start-up of the gmm_multiclass plot scripts: Debian's python3 with numpy, h5py and
matplotlib (re-executing under /usr/bin/python3 when the python3 first on PATH lacks them,
as plots/compare.py does), and the `DIR [-o FIGURE]` command line."""
import os
import sys


def require_modules(script):
    try:
        import h5py  # noqa: F401
        import numpy  # noqa: F401
        import matplotlib
    except ImportError:
        debian = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(debian) and os.path.exists(debian) \
                and not os.environ.get("HDSIM_PLOT_REEXEC"):
            os.environ["HDSIM_PLOT_REEXEC"] = "1"
            os.execv(debian, [debian] + sys.argv)
        sys.exit(f"{script} needs numpy, h5py and matplotlib "
                 "(apt-get install python3-h5py python3-matplotlib)")
    matplotlib.use("Agg")


def parse_dir_args(argv, doc, default_name):
    """argv -> (input directory, output figure path)."""
    args = argv[1:]
    out = None
    if "-o" in args:
        i = args.index("-o")
        if i + 1 >= len(args):
            sys.exit(doc)
        out = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(doc)
    return args[0], out or os.path.join(args[0], default_name)
