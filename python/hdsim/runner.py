"""Running the hdsim binary from Python."""
import os
import re
import shutil
import subprocess
import tempfile
import warnings

from .io import load

_HERE = os.path.dirname(os.path.abspath(__file__))


class HdsimError(RuntimeError):
    """hdsim failed; message: what it printed (file:line: [section] key: ...), returncode."""

    def __init__(self, message, returncode=None, command=None):
        super().__init__(message)
        self.returncode = returncode
        self.command = command


class HdsimInputError(HdsimError, ValueError):
    """The model was rejected (exit status 2): nothing was run, nothing written."""


def binary():
    """The hdsim executable: $HDSIM, else the build tree of the source checkout this
    package sits in (build/hdsim), else `hdsim` on PATH."""
    env = os.environ.get("HDSIM")
    if env:
        return env
    root = os.path.dirname(os.path.dirname(_HERE))
    for build in ("build", "build-release"):
        cand = os.path.join(root, build, "hdsim")
        if os.access(cand, os.X_OK):
            return cand
    found = shutil.which("hdsim")
    if found:
        return found
    raise HdsimError("cannot find the hdsim binary: set $HDSIM, build it (ninja -C build) "
                     "or install it (meson install)")


def _key(name):
    """optimizer__lr / optimizer.lr -> ("optimizer", "lr")."""
    sep = "__" if "__" in name else "."
    if sep not in name:
        raise ValueError(f"override '{name}': write section__key or 'section.key' "
                         "(e.g. optimizer__lr=0.5 or {'optimizer.lr': 0.5})")
    section, key = name.split(sep, 1)
    return section, key


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v)
    return repr(v) if isinstance(v, float) else str(v)


def _from_dict(sections):
    lines = []
    for section, keys in sections.items():
        lines.append(f"[{section}]")
        for k, v in keys.items():
            lines.append(f"{k} = {_value(v)}")
        lines.append("")
    return "\n".join(lines)


def _set(text, section, key, value):
    """text with [section] key = value: the key's line replaced where it is (so the other
    lines keep their numbers in messages), else added at the end of the section, else a
    new section appended."""
    lines = text.split("\n")
    head = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    keyline = re.compile(r"^\s*" + re.escape(key) + r"\s*[=:]")
    current, last_of_section = None, None
    for i, line in enumerate(lines):
        m = head.match(line)
        if m:
            current = m.group(1)
            continue
        if current == section:
            if keyline.match(line):
                lines[i] = f"{key} = {value}"
                return "\n".join(lines)
            if line.strip() and not line.lstrip().startswith((";", "#")):
                last_of_section = i
            elif last_of_section is None:
                last_of_section = i
    if last_of_section is not None:
        lines.insert(last_of_section + 1, f"{key} = {value}")
        return "\n".join(lines)
    if any(head.match(line) and head.match(line).group(1) == section for line in lines):
        for i, line in enumerate(lines):
            m = head.match(line)
            if m and m.group(1) == section:
                lines.insert(i + 1, f"{key} = {value}")
                return "\n".join(lines)
    return "\n".join(lines).rstrip("\n") + f"\n\n[{section}]\n{key} = {value}\n"


def _overrides(overrides, kw):
    out = []
    for d in (overrides or {}), kw:
        for name, v in d.items():
            out.append((*_key(name), v))
    return out


def model_text(model, overrides=None, **kw):
    """The model-file text hdsim will run: model (a path, a model-file text or a dict of
    sections {"optimizer": {"lr": 0.5}, ...}) with overrides applied; also returns the
    directory relative paths in the model refer to. -> (text, directory)"""
    directory = os.getcwd()
    if isinstance(model, dict):
        text = _from_dict(model)
    elif isinstance(model, os.PathLike) or (isinstance(model, str) and "\n" not in model
                                           and "[" not in model):
        path = os.fspath(model)
        with open(path) as fh:
            text = fh.read()
        directory = os.path.dirname(os.path.abspath(path))
    elif isinstance(model, str):
        text = model
    else:
        raise TypeError("model: a path, a model-file text or a dict of sections")
    for section, key, v in _overrides(overrides, kw):
        text = _set(text, section, key, _value(v))
    return text, directory


def _execute(text, directory, name, output, threads, seed, quiet, keep, extra_args=()):
    exe = binary()
    # the model is written where its relative paths (spectrum files) still resolve
    where = directory if os.access(directory, os.W_OK) else None
    fd, model_path = tempfile.mkstemp(prefix=".hdsim_", suffix=".ini", dir=where, text=True)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    tmpdir = None
    if output is None:
        tmpdir = tempfile.mkdtemp(prefix="hdsim_")
        output = os.path.join(tmpdir, "out.h5")
    cmd = [exe, "run", model_path, "-o", os.fspath(output)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if quiet:
        cmd += ["--quiet"]
    cmd += list(extra_args)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        message = (proc.stderr + ("" if quiet else proc.stdout)).replace(model_path, name).strip()
        if proc.returncode == 2:
            raise HdsimInputError(message or "hdsim rejected the model", 2, cmd)
        if proc.returncode not in (0, 3):
            raise HdsimError(message or f"hdsim exited with status {proc.returncode}",
                             proc.returncode, cmd)
        if proc.returncode == 3:
            warnings.warn(f"hdsim: some runs diverged or the theory failed (see "
                          f"res['diagnostics']): {message}", RuntimeWarning, stacklevel=3)
        res = load(output)
        if tmpdir and not keep:
            res.values()  # the file goes with tmpdir: read every group (points/K too) now
        if not quiet and proc.stdout:
            print(proc.stdout, end="")
        return res
    finally:
        os.unlink(model_path)
        if tmpdir and not keep:
            shutil.rmtree(tmpdir, ignore_errors=True)


def run(model, overrides=None, *, output=None, threads=None, seed=None, quiet=True,
        experiment=None, **kw):
    """Runs hdsim on model and returns the loaded output (a Result: a dict of
    xarray.Dataset per group).

    model: a path, a model-file text, or a dict of sections {"optimizer": {"lr": 0.5}}.
    overrides: {"optimizer.lr": 0.5}; keyword overrides optimizer__lr=0.5 likewise.
    output: where the HDF5 file is kept (default: a temporary file, removed after
    loading).  experiment: measured curves to set beside theory and simulation
    (hdsim run --experiment: "runs.h5", "runs.h5:/group" or a CSV table), read back as
    res["experiment"] and res["compare"]["experiment_<obs>_rel"].  Raises
    HdsimInputError (bad model: its file:line messages) or HdsimError.
    """
    text, directory = model_text(model, overrides, **kw)
    extra = ("--experiment", os.fspath(experiment)) if experiment is not None else ()
    name = os.fspath(model) if isinstance(model, (str, os.PathLike)) and "\n" not in str(model) \
        and "[" not in str(model) else "<model>"
    return _execute(text, directory, name, output, threads, seed, quiet, keep=False,
                    extra_args=extra)


def sweep(model, over=None, overrides=None, *, output=None, threads=None, seed=None,
          quiet=True, **kw):
    """Runs a sweep: over = {"optimizer.lr": [0.25, 0.5, 1.0], ...} (or keyword lists,
    optimizer__lr=[...]; in either dict and the keywords, a list is swept and a scalar is
    a plain override) is written as the model's
    [sweep] section; returns the loaded sweep file, whose groups "sweep/theory" and
    "sweep/simulation" hold each observable over (point, t), indexed by the swept keys."""
    swept, plain = {}, {}
    for d in (over or {}), (overrides or {}), kw:  # lists are swept, scalars set
        for name, v in d.items():
            (swept if isinstance(v, (list, tuple, range)) else plain)[name] = v
    if not swept:
        raise ValueError("sweep: no values to sweep (e.g. optimizer__lr=[0.25, 0.5, 1.0])")
    text, directory = model_text(model, plain)
    for name, values in swept.items():
        section, key = _key(name)
        text = _set(text, "sweep", f"{section}.{key}", _value(list(values)))
    label = os.fspath(model) if isinstance(model, (str, os.PathLike)) and "\n" not in str(model) \
        and "[" not in str(model) else "<model>"
    return _execute(text, directory, label, output, threads, seed, quiet, keep=False)
