"""Reading hdsim's HDF5 outputs (netCDF-4 files with dimension-scale coordinates)."""
import h5py
import numpy as np
import xarray as xr


def _text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v[()])
    if isinstance(v, np.generic):
        return v.item()
    return v


class Result(dict):
    """The groups of one output file, each an xarray.Dataset, keyed by group path
    ("theory", "simulation", "compare", "privacy", "sweep/simulation", "points/0/theory",
    ...).  Three kinds of groups are flattened for convenience: "simulation" (and
    "points/K/simulation") holds, besides the group itself, <obs> (the Monte Carlo mean),
    <obs>_stderr and <obs>_runs (run, t) of every observable; "experiment" the same for
    the measured curves (on their own times); "compare" holds <obs>_abs, <obs>_rel,
    <obs>_z, ... and experiment_<obs>_rel, ...  The subgroups stay available under their
    own paths ("simulation/risk").

    stationary: the theory's t = infinity values ("theory/stationary" without its
    one-point t), stationary_value(name) one of them, stationary_note how or why not.

    attrs: the root attributes (problem, model_text, command_line, seed, time_unit, ...);
    parameters: every resolved parameter, {"section.key": value}; path: the file.
    Every Dataset carries attrs and parameters among its own attrs as well (in a sweep,
    the groups under points/K carry that point's parameters).  point_parameters: in a
    sweep, {K: that point's resolved parameters}; points(): each point as a Result.
    """

    def __init__(self, groups, attrs, parameters, path, point_parameters=None):
        super().__init__(groups)
        self.attrs = attrs
        self.parameters = parameters
        self.path = path
        self.point_parameters = point_parameters or {}

    def points(self):
        """A sweep's points in order, each a Result of its own groups ("theory",
        "simulation", ...) whose parameters are that point's; [] for a single run."""
        out = []
        for k in sorted(self.point_parameters):
            prefix = f"points/{k}/"
            groups = {n[len(prefix):]: ds for n, ds in self.items() if n.startswith(prefix)}
            out.append(Result(groups, self.attrs, {**self.parameters, **self.point_parameters[k]},
                              self.path))
        return out

    @property
    def problem(self):
        return self.attrs.get("problem", "")

    @property
    def time_unit(self):
        """What t counts for this problem, e.g. 't = SGD steps x batch / d'."""
        return self.attrs.get("time_unit", "t")

    @property
    def observables(self):
        names = self.attrs.get("observables", "")
        return [n for n in names.split(",") if n]

    @property
    def stationary(self):
        """The theory's t = infinity values (/theory/stationary: a closed form or the
        fixed point of the limit ODE) as a Dataset of scalars, one per observable that
        has one, its note (how it was found) in attrs["note"]; None where the file has
        none (then stationary_note says why)."""
        ds = self.get("theory/stationary")
        if ds is None:
            return None
        out = ds.squeeze("t", drop=True) if "t" in ds.dims else ds
        out.attrs = dict(ds.attrs)
        return out

    @property
    def stationary_note(self):
        """How the t = infinity values were found, or why there are none ("" if the
        question does not arise, e.g. a recursion)."""
        ds = self.get("theory/stationary")
        if ds is not None:
            return str(ds.attrs.get("note", ""))
        th = self.get("theory")
        return str(th.attrs.get("stationary_note", "")) if th is not None else ""

    def stationary_value(self, name):
        """The t = infinity value of one observable (a float), or None."""
        st = self.stationary
        if st is None or name not in st:
            return None
        return float(st[name].values)

    @property
    def is_sweep(self):
        return "sweep" in self

    @property
    def swept_keys(self):
        """Names of the sweep's coordinates along point (e.g. ["lr", "label_noise"])."""
        ds = self.get("sweep/simulation", self.get("sweep/theory"))
        if ds is None:
            return []
        return [c for c in ds.coords if c not in ("point", "t") and ds[c].dims == ("point",)]

    def __repr__(self):
        return (f"<hdsim.Result {self.path}: {self.problem}, groups "
                f"{', '.join(k for k in self if '/' not in k or k.startswith('sweep/'))}>")


def _groups_with_datasets(f):
    out = []

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and any(isinstance(v, h5py.Dataset) for v in obj.values()):
            out.append(name)
    f.visititems(visit)
    return out


def _flatten(groups, parent):
    """parent ("simulation", "experiment" or "compare") merged with its per-observable
    subgroups."""
    base = groups.get(parent, xr.Dataset())
    parts = [base]
    for key, ds in groups.items():
        if key.startswith(parent + "/") and "/" not in key[len(parent) + 1:]:
            obs = key[len(parent) + 1:]
            renamed = {}
            for v in ds.data_vars:
                if parent.endswith(("simulation", "experiment")):
                    renamed[v] = obs if v == "mean" else f"{obs}_{v}"
                else:
                    renamed[v] = f"{obs}_{v}"
            sub = ds.rename(renamed)
            sub = sub.drop_vars([c for c in sub.coords if c in base.coords], errors="ignore")
            parts.append(sub)
    merged = xr.merge(parts, compat="override", combine_attrs="override")
    merged.attrs = dict(base.attrs)
    return merged


def load(path):
    """Reads an hdsim output file (run, sweep or validation ladder) into a Result: a
    dict of xarray.Dataset per group (Debian 12's xarray has no DataTree), with
    coordinates (t, run, point, the swept keys, d), units, and the model's parameters
    and the root attributes as attributes.  In a sweep's stacked groups
    (sweep/theory, sweep/simulation) every swept key is an index, so
    res["sweep/simulation"]["risk"].sel(lr=0.5) works."""
    path = str(path)
    with h5py.File(path, "r") as f:
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        parameters = {}
        if "parameters" in f:
            parameters = {k: _text(v) for k, v in f["parameters"].attrs.items()}
        points = {}
        if "points" in f:
            for k in f["points"]:
                g = f["points"][k]
                if k.isdigit() and "parameters" in g:
                    points[int(k)] = {a: _text(v) for a, v in g["parameters"].attrs.items()}
        names = _groups_with_datasets(f)
        group_attrs = {n: {k: _text(v) for k, v in f[n].attrs.items()} for n in names}
    groups = {}
    for name in names:
        ds = xr.load_dataset(path, group=name, engine="h5netcdf")
        ds.attrs = dict(group_attrs[name])
        if name.startswith("sweep/"):
            for c in list(ds.coords):
                if c not in ("point", "t") and ds[c].dims == ("point",):
                    ds = ds.set_xindex(c)
        groups[name] = ds
    for parent in [k for k in list(groups)
                   if k.rsplit("/", 1)[-1] in ("simulation", "compare", "experiment")
                   and not k.startswith("sweep/")]:
        groups[parent] = _flatten(groups, parent)
    for name, ds in groups.items():
        parts = name.split("/")
        if parts[0] == "points" and len(parts) > 1 and parts[1].isdigit():
            for k, v in points.get(int(parts[1]), {}).items():
                ds.attrs.setdefault(k, v)
        for k, v in attrs.items():
            ds.attrs.setdefault(k, v)
        for k, v in parameters.items():
            ds.attrs.setdefault(k, v)
    return Result(groups, attrs, parameters, path, points)
