"""Reading hdsim's HDF5 outputs (netCDF-4 files with dimension-scale coordinates)."""
import h5py
import numpy as np
import xarray as xr
from h5netcdf.attrs import Attributes as _H5ncAttributes


def _text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v[()])
    if isinstance(v, np.generic):
        return v.item()
    return v


_UNREAD = object()  # a group known to be in the file, not read yet


class Result(dict):
    """The groups of one output file, each an xarray.Dataset, keyed by group path
    ("theory", "simulation", "compare", "privacy", "sweep/simulation", "points/0/theory",
    ...).  Three kinds of groups are flattened for convenience: "simulation" (and
    "points/K/simulation") holds, besides the group itself, <obs> (the Monte Carlo mean),
    <obs>_stderr and <obs>_runs (run, t) of every observable; "experiment" the same for
    the measured curves (on their own times); "compare" holds <obs>_abs, <obs>_rel,
    <obs>_z, ... and experiment_<obs>_rel, ...  The subgroups stay available under their
    own paths ("simulation/risk").

    A sweep's per-point groups ("points/K/...") are read when first asked for (by key,
    get, points(), or by listing every group: keys(), items(), values()); the stacked
    (point, t) groups "sweep/theory" and "sweep/simulation" are read at once.  loaded():
    the groups read so far.

    attrs: the root attributes (problem, model_text, command_line, seed, time_unit, ...);
    parameters: every resolved parameter, {"section.key": value}; path: the file.
    Every Dataset carries attrs and parameters among its own attrs as well (in a sweep,
    the groups under points/K carry that point's parameters).  point_parameters: in a
    sweep, {K: that point's resolved parameters} (each read when first asked for);
    points(): each point as a Result.
    """

    def __init__(self, groups, attrs, parameters, path, point_parameters=None, *,
                 unread=(), reader=None, points=None):
        super().__init__(groups)
        for name in unread:
            dict.__setitem__(self, name, _UNREAD)
        self.attrs = attrs
        self.parameters = parameters
        self.path = path
        self.point_parameters = point_parameters if point_parameters is not None else {}
        self._reader = reader              # name -> Dataset, for the unread groups
        self._points = points              # _Points of the file, or None

    # Reading on demand.  Every way into the mapping goes through __getitem__ or
    # _listed(), so an unread group is never handed out as its placeholder.
    def _listed(self):
        if self._points is not None:
            self._points.enumerate_all(self)

    def _enumerate_for(self, name):
        if self._points is not None and isinstance(name, str) and name.startswith("points/"):
            self._points.enumerate(self, name.split("/")[1])

    def __getitem__(self, name):
        self._enumerate_for(name)
        v = dict.__getitem__(self, name)
        if v is _UNREAD:
            v = self._reader(name)
            dict.__setitem__(self, name, v)
        return v

    def __contains__(self, name):
        self._enumerate_for(name)
        return dict.__contains__(self, name)

    def get(self, name, default=None):
        return self[name] if name in self else default

    def keys(self):
        self._listed()
        return dict.keys(self)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        self._listed()
        return dict.__len__(self)

    def _read(self, names):
        """Reads the unread groups among names together (one opening of the file)."""
        names = [n for n in names if dict.__getitem__(self, n) is _UNREAD]
        if names and hasattr(self._reader, "many"):
            for n, ds in self._reader.many(names):
                dict.__setitem__(self, n, ds)

    def values(self):
        self._read(self.keys())
        return [self[k] for k in self.keys()]

    def items(self):
        self._read(self.keys())
        return [(k, self[k]) for k in self.keys()]

    def copy(self):
        return Result({k: self[k] for k in self.keys()}, dict(self.attrs), dict(self.parameters),
                      self.path, self.point_parameters)

    def loaded(self):
        """The groups read so far (the rest are read when asked for)."""
        return [k for k, v in dict.items(self) if v is not _UNREAD]

    def points(self):
        """A sweep's points in order, each a Result of its own groups ("theory",
        "simulation", ...) whose parameters are that point's; [] for a single run.  A
        point's groups are read when first asked for."""
        out = []
        self._listed()
        if isinstance(self.point_parameters, _PointParameters):
            self.point_parameters.read()
        names = {}
        for n in dict.keys(self):
            parts = n.split("/", 2)
            if parts[0] == "points" and len(parts) == 3:
                names.setdefault(parts[1], []).append(parts[2])
        for k in sorted(self.point_parameters):
            prefix = f"points/{k}/"
            out.append(Result({}, self.attrs, {**self.parameters, **self.point_parameters[k]},
                              self.path, unread=names.get(str(k), []),
                              reader=_Within(self, prefix)))
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
    def is_sweep(self):
        return dict.__contains__(self, "sweep")

    @property
    def swept_keys(self):
        """Names of the sweep's coordinates along point (e.g. ["lr", "label_noise"])."""
        ds = self.get("sweep/simulation", self.get("sweep/theory"))
        if ds is None:
            return []
        return [c for c in ds.coords if c not in ("point", "t") and ds[c].dims == ("point",)]

    def __repr__(self):
        return (f"<hdsim.Result {self.path}: {self.problem}, groups "
                f"{', '.join(k for k in dict.keys(self) if '/' not in k or k.startswith('sweep/'))}>")


class _Within:
    """Reads a point's groups through the sweep's Result (which keeps what it read)."""

    def __init__(self, res, prefix):
        self.res, self.prefix = res, prefix

    def __call__(self, name):
        return self.res[self.prefix + name]

    def many(self, names):
        full = [self.prefix + n for n in names]
        self.res._read(full)
        return [(n, self.res[f]) for n, f in zip(names, full)]


class _PointParameters(dict):
    """{K: point K's resolved parameters}, each read from /points/K/parameters when first
    asked for (a sweep of many points need not read them all)."""

    def __init__(self, path, ids):
        super().__init__((k, _UNREAD) for k in ids)
        self._path = path

    def __getitem__(self, k):
        if dict.__getitem__(self, k) is _UNREAD:
            self.read([k])
        return dict.__getitem__(self, k)

    def read(self, ks=None):
        """Reads the parameters of points ks (all by default) in one opening of the file."""
        ks = [k for k in (dict.keys(self) if ks is None else ks)
              if dict.__getitem__(self, k) is _UNREAD]
        if not ks:
            return
        with h5py.File(self._path, "r") as f:
            for k in ks:
                g = f[f"points/{k}"]
                dict.__setitem__(self, k, {a: _text(x) for a, x in g["parameters"].attrs.items()}
                                 if "parameters" in g else {})

    def get(self, k, default=None):
        return self[k] if k in self else default

    def __iter__(self):
        return iter(dict.keys(self))

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]


class _Points:
    """The per-point groups of a sweep file, listed one point at a time on demand:
    listing a point walks its subtree (a hundred objects), so a sweep of many points is
    not walked until its points are asked for."""

    def __init__(self, path, ids):
        self.path = path
        self.pending = {str(k) for k in ids}

    def enumerate(self, res, k):
        if k in self.pending:
            self._add(res, [k])

    def enumerate_all(self, res):
        if self.pending:
            self._add(res, sorted(self.pending, key=int))

    def _add(self, res, ks):
        with h5py.File(self.path, "r") as f:
            for k in ks:
                for name in _groups_with_datasets(f[f"points/{k}"]):
                    dict.__setitem__(res, f"points/{k}" + (f"/{name}" if name else ""),
                                     _UNREAD)
                self.pending.discard(k)


def _groups_with_datasets(g):
    """Paths, relative to g ("" for g itself), of g and its subgroups that hold datasets,
    in name order; one walk of g's objects in the HDF5 library (h5o.visit)."""
    seen = {}

    def visit(name, info):
        if info.type == h5py.h5o.TYPE_DATASET:
            seen.setdefault(name.decode().rpartition("/")[0], None)
    h5py.h5o.visit(g.id, visit, info=True)
    return sorted(seen)


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


def _read_group(f, name):
    """The group as xr.load_dataset(path, group=name, engine="h5netcdf") reads it, or None
    where the group holds something this reader leaves to xarray (strings, a dimension
    without a scale in the group, a multi-dimensional scale).

    Why not xarray: h5netcdf names each dimension by dereferencing the dataset's
    DIMENSION_LIST and asking the scale for its path, and HDF5 finds the path of an object
    opened by reference by walking the whole file; in a sweep of many points that walk is
    tens of thousands of objects per variable.  Here the group's scales are matched to the
    references by object identity.  tests/python/test_load.py checks the two agree on
    every group of every output it makes."""
    g = f[name]
    members = {n: g.get(n, getclass=True) for n in g}
    dsets = {n: g[n] for n, c in members.items() if c is h5py.Dataset}
    scales = {}
    for n, d in dsets.items():
        if d.attrs.get("CLASS") == b"DIMENSION_SCALE":
            if d.ndim != 1:
                return None
            scales[d.id] = n
    variables = {}
    for n, d in dsets.items():
        if h5py.check_string_dtype(d.dtype) is not None or d.dtype.kind not in "biuf" \
                or d.shape is None:
            return None
        if d.id in scales:
            dims = (n,)
        elif d.ndim == 0:
            dims = ()
        else:
            refs = d.attrs.get("DIMENSION_LIST")
            if refs is None or len(refs) != d.ndim:
                return None
            dims = []
            for ref in refs:
                if len(ref) == 0:
                    return None
                scale = scales.get(f[ref[-1]].id)
                if scale is None:
                    return None
                dims.append(scale)
            dims = tuple(dims)
        variables[n] = xr.Variable(dims, np.asarray(d[()]), _nc_attrs(d.attrs))
    return xr.decode_cf(xr.Dataset(variables, attrs=_nc_attrs(g.attrs)))


def _nc_attrs(h5attrs):
    """Attributes as xarray's h5netcdf backend returns them: h5netcdf's decoding (hidden
    netCDF attributes dropped, fixed-length strings decoded, one-element arrays
    unwrapped), then bytes to str but for _FillValue and missing_value."""
    attrs = {}
    for k, v in _H5ncAttributes(h5attrs, lambda dtype: None, h5py).items():
        if k not in ("_FillValue", "missing_value") and isinstance(v, bytes):
            v = v.decode("utf-8")
        attrs[k] = v
    return attrs


_FLATTENED = ("simulation", "compare", "experiment")


class _Reader:
    """Reads one group of the file as a Dataset, as load() hands it out: swept keys made
    indexes, simulation/compare/experiment flattened, the file's attributes and
    parameters (and a point's own) among the Dataset's attrs."""

    def __init__(self, path, attrs, parameters, point_parameters):
        self.path, self.attrs, self.parameters = path, attrs, parameters
        self.point_parameters = point_parameters
        self.res = None

    def raw(self, name, f):
        ds = _read_group(f, name)
        if ds is None:
            ds = xr.load_dataset(self.path, group=name, engine="h5netcdf")
        ds.attrs = {k: _text(v) for k, v in f[name].attrs.items()}
        if name.startswith("sweep/"):
            for c in list(ds.coords):
                if c not in ("point", "t") and ds[c].dims == ("point",):
                    ds = ds.set_xindex(c)
        return ds

    def many(self, names):
        """[(name, Dataset)] for names, read in one opening of the file, subgroups before
        the groups that flatten them."""
        with h5py.File(self.path, "r") as f:
            out = {}
            for n in sorted(names, key=lambda n: -n.count("/")):
                out[n] = self(n, f)
                dict.__setitem__(self.res, n, out[n])
        return [(n, out[n]) for n in names]

    def __call__(self, name, f=None):
        if f is None:
            with h5py.File(self.path, "r") as f:
                return self(name, f)
        ds = self.raw(name, f)
        if name.rsplit("/", 1)[-1] in _FLATTENED and not name.startswith("sweep/"):
            head = name + "/"
            parts = {n: self.res[n] for n in list(dict.keys(self.res))
                     if n.startswith(head) and "/" not in n[len(head):]}
            ds = _flatten({name: ds, **parts}, name)
        parts = name.split("/")
        if parts[0] == "points" and len(parts) > 1 and parts[1].isdigit():
            for k, v in self.point_parameters.get(int(parts[1]), {}).items():
                ds.attrs.setdefault(k, v)
        for k, v in self.attrs.items():
            ds.attrs.setdefault(k, v)
        for k, v in self.parameters.items():
            ds.attrs.setdefault(k, v)
        return ds


def load(path):
    """Reads an hdsim output file (run, sweep or validation ladder) into a Result: a
    dict of xarray.Dataset per group (Debian 12's xarray has no DataTree), with
    coordinates (t, run, point, the swept keys, d), units, and the model's parameters
    and the root attributes as attributes.  In a sweep's stacked groups
    (sweep/theory, sweep/simulation) every swept key is an index, so
    res["sweep/simulation"]["risk"].sel(lr=0.5) works.  A sweep's per-point groups
    (points/K/...) are read when first asked for, so loading a sweep of many points
    reads only its stacked arrays."""
    path = str(path)
    with h5py.File(path, "r") as f:
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        parameters = {}
        if "parameters" in f:
            parameters = {k: _text(v) for k, v in f["parameters"].attrs.items()}
        ids = []
        if "points" in f:
            ids = sorted(int(k) for k in f["points"]
                         if k.isdigit() and isinstance(f["points"][k], h5py.Group))
        names = []
        for top in f:
            if top != "points" and isinstance(f[top], h5py.Group):
                names += [top + ("/" + n if n else "") for n in _groups_with_datasets(f[top])]
        point_parameters = _PointParameters(path, ids)
        reader = _Reader(path, attrs, parameters, point_parameters)
        res = Result({}, attrs, parameters, path, point_parameters, unread=names,
                     reader=reader, points=_Points(path, ids) if ids else None)
        reader.res = res
        # the groups outside points/ are read now (subgroups before the groups that
        # flatten them), in one opening of the file
        for name in sorted(names, key=lambda n: -n.count("/")):
            dict.__setitem__(res, name, reader(name, f))
    return res
