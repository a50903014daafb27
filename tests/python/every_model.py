"""Every shipped model (models/*.ini) at a small size: the model file with overrides derived
from its problem alone (never from the model's name), so that the whole set runs in
seconds while each output keeps the groups and observables of the full run.

What a problem's overrides may touch: the size keys (d, runs, the grokking network's D, P,
N, test points, particles), quadrature nodes and glm's tolerance, the horizon, the number
of output times and of swept values.  They never touch a key that selects what is
computed (method, loss, algorithm, privacy, spectrum, model); test_every_model.py checks
the outputs against the structure of full-size ones (model_structure.json).

  /usr/bin/python3 tests/python/every_model.py [MODEL...]   # times each small run
"""
import glob
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "models")
sys.path.insert(0, os.path.join(ROOT, "python"))

import hdsim  # noqa: E402
from hdsim.runner import _set, _value  # noqa: E402

# problem -> (overrides, horizon factor or None to keep the model's horizon).  "?" marks
# a key set only when the model file has it (a key whose presence is itself a choice,
# e.g. sam_quadratic's dim next to an eigenvalue list); "<" a key lowered to the value
# when the model's is larger.  Why d = 1000 for noisy_sgd and gmm_multiclass: their band
# observables are the decades of the spectrum, and a power law with exponent 1 spans
# three decades only from d = 1000 (at d = 100 four bands become three; caught by
# test_small_run_keeps_the_structure).
SHRINK = {
    "streaming_lsq": ({"data.d": 256, "simulation.runs": 2}, None),
    "noisy_sgd": ({"<data.d": 1000, "simulation.runs": 2, "?noise.records": 100,
                   "?privacy.nodes": 20, "?privacy.search_top": 5}, None),
    "gmm_multiclass": ({"<data.d": 1000, "simulation.runs": 2, "?data.limit_nodes": 40},
                       0.2),
    "sam_quadratic": ({"simulation.runs": 4, "?quadratic.dim": 4, "?quadratic.wishart_n": 8},
                      0.1),
    "sam_streaming": ({"data.d": 200, "simulation.runs": 2}, None),
    "glm": ({"data.d": 100, "simulation.runs": 2, "glm.nodes": 8, "theory.rtol": 1e-6}, 0.1),
    "committee": ({"data.d": 100, "simulation.runs": 2, "?network.quadrature": 24}, 0.1),
    "dmft_grokking": ({"data.D": 12, "data.P": 30, "?data.test_points": 40, "network.N": 16,
                       "simulation.runs": 1, "?theory.particles": 128}, 0.001),
    "grok_linear_estimator": ({"data.d_in": 100, "simulation.runs": 2}, 0.01),
}
MAX_TIMES = 12      # output times kept
MAX_SWEPT = 2       # values kept of the first swept key (one of each other)


def problem_of(text):
    m = re.search(r"^\s*problem\s*=\s*(\S+)", text, re.M)
    return m.group(1) if m else None


def _get(text, section, key):
    """The value of [section] key in a model text (None when absent), comment stripped."""
    current = None
    for line in text.split("\n"):
        m = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if m:
            current = m.group(1)
            continue
        if current == section:
            m = re.match(r"^\s*" + re.escape(key) + r"\s*[=:]\s*(.*?)\s*(?:[;#].*)?$", line)
            if m:
                return m.group(1)
    return None


def _num(x):
    v = float(x)
    return int(v) if v == int(v) and abs(v) < 1e15 else v


def _times(spec, horizon):
    """The output-time spec with at most MAX_TIMES times, none beyond horizon."""
    m = re.match(r"^(log|linear)\(\s*([^,]+),\s*([^,]+),\s*([^)]+)\)$", spec.strip())
    if m:
        kind, a, b, n = m.group(1), float(m.group(2)), float(m.group(3)), int(float(m.group(4)))
        b = min(b, horizon)
        if kind == "log":
            a = min(a, b / 10)
        else:
            a = min(a, b)
        return f"{kind}({_value(_num(a))}, {_value(_num(b))}, {min(n, MAX_TIMES)})"
    if spec.strip() == "auto":
        return spec
    kept = [x for x in (s.strip() for s in spec.split(",")) if float(x) <= horizon]
    return ", ".join(kept[:MAX_TIMES])


def small_text(path, sizes=True):
    """(problem, model text at the small size) for the shipped model at path; with
    sizes=False only the horizon, output times and swept values are cut (the model's
    own sizes: what model_structure.json records where no full run was at hand)."""
    with open(path) as fh:
        text = fh.read()
    problem = problem_of(text)
    overrides, factor = SHRINK[problem]
    if not sizes:
        overrides = {}
    for name, v in overrides.items():
        section, key = name.lstrip("?<").split(".", 1)
        have = _get(text, section, key)
        if name.startswith("?") and have is None:
            continue
        if name.startswith("<") and have is not None:
            v = min(v, _num(have))
        text = _set(text, section, key, _value(v))
    horizon = _get(text, "simulation", "horizon")
    if horizon is not None and factor is not None:
        h = float(horizon) * factor
        text = _set(text, "simulation", "horizon", _value(_num(h)))
        horizon = h
    times = _get(text, "output", "times")
    if times is not None and horizon is not None:
        text = _set(text, "output", "times", _times(times, float(horizon)))
    text = _shrink_sweep(text, overrides)
    return problem, text


def _shrink_sweep(text, overrides):
    """MAX_SWEPT values of the first swept key, one of every other (each key stays swept:
    the sweep's structure is kept); a swept size key (one the problem overrides) runs at
    the override's value (and twice it)."""
    out, section, keep = [], None, MAX_SWEPT
    for line in text.split("\n"):
        m = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if m:
            section = m.group(1)
        elif section == "sweep":
            m = re.match(r"^\s*([\w.]+)\s*=\s*(.*?)\s*(?:[;#].*)?$", line)
            if m and "(" not in m.group(2):
                key, values = m.group(1), [v.strip() for v in m.group(2).split(",")]
                size = next((v for k, v in overrides.items() if k.lstrip("?<") == key), None)
                if size is not None:
                    values = [str(size), str(2 * size)]
                line = f"{key} = {', '.join(values[:keep])}"
                keep = 1
            elif m:
                f = re.match(r"^(log|linear)\(\s*([^,]+),\s*([^,]+),\s*([^)]+)\)$", m.group(2))
                if f:
                    line = f"{m.group(1)} = {f.group(2)}" if keep == 1 else \
                        f"{m.group(1)} = {f.group(1)}({f.group(2)}, {f.group(3)}, {keep})"
                    keep = 1
        out.append(line)
    return "\n".join(out)


def shipped():
    return sorted(glob.glob(os.path.join(MODELS, "*.ini")))


def structure(path):
    """What an output holds, independent of sizes: its status, observables, and for each
    group with datasets (points/K merged as points/*) the names of its datasets."""
    import h5py
    groups = {}
    with h5py.File(path, "r") as f:
        def visit(name, info):
            if info.type == h5py.h5o.TYPE_DATASET:
                g, _, n = name.decode().rpartition("/")
                groups.setdefault(re.sub(r"^points/\d+(?=/|$)", "points/*", g), set()).add(n)
        h5py.h5o.visit(f.id, visit, info=True)
        status = f.attrs["status"]
        observables = f.attrs["observables"]
    text = lambda v: v.decode() if isinstance(v, bytes) else str(v)  # noqa: E731
    return {"status": text(status), "observables": text(observables).split(","),
            "groups": {g: sorted(v) for g, v in sorted(groups.items())}}


def run_text(exe, text, out, name):
    """Runs a model text (written beside the shipped models: relative paths resolve);
    -> CompletedProcess."""
    import subprocess
    ini = os.path.join(MODELS, f".{os.getpid()}_{name}")
    with open(ini, "w") as fh:
        fh.write(text)
    try:
        return subprocess.run([exe, "run", ini, "-o", out, "--quiet", "--threads", "1"],
                              capture_output=True, text=True)
    finally:
        os.unlink(ini)


def write_manifest(out_json, full_dir, skip_missing=False):
    """model_structure.json: each shipped model's structure() from its full run in
    full_dir (FULL_DIR/<model>.h5, e.g. made by `hdsim run models/M.ini -o FULL_DIR/M.h5`)
    or, where there is none, from a run at the model's own sizes with the horizon, output
    times and swept values cut as for the small run (small_text(sizes=False))."""
    import json
    import tempfile
    exe = hdsim.binary()
    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in shipped():
            name = os.path.basename(path)[:-4]
            full = os.path.join(full_dir, name + ".h5") if full_dir else ""
            if full and os.path.exists(full):
                entry, source = structure(full), "full run"
            elif skip_missing:
                continue
            else:
                _, text = small_text(path, sizes=False)
                out = os.path.join(tmp, name + ".h5")
                r = run_text(exe, text, out, name + ".ini")
                if not os.path.exists(out):
                    raise SystemExit(f"{name}: no output ({r.stderr.strip()})")
                entry = structure(out)
                source = "model's sizes, horizon/times/sweep cut as for the small run " \
                         "(no full run: it takes over 400 s)"
            entry["source"] = source
            manifest[name] = entry
            print(f"{name}: {source}", flush=True)
    with open(out_json, "w") as fh:  # one line per group: diffs show what changed
        fh.write("{\n")
        for i, (name, e) in enumerate(sorted(manifest.items())):
            fh.write(f' {json.dumps(name)}: {{"source": {json.dumps(e["source"])}, '
                     f'"status": {json.dumps(e["status"])},\n'
                     f'  "observables": {json.dumps(e["observables"])},\n  "groups": {{\n')
            fh.write(",\n".join(f"   {json.dumps(g)}: {json.dumps(v)}"
                                for g, v in e["groups"].items()))
            fh.write("}}" + ("," if i + 1 < len(manifest) else "") + "\n")
        fh.write("}\n")


def main(argv):
    if argv[:1] == ["--manifest"]:
        return write_manifest(argv[1], argv[2] if len(argv) > 2 else None,
                              "--full-only" in argv)
    import tempfile
    exe = hdsim.binary()
    paths = [os.path.join(MODELS, a if a.endswith(".ini") else a + ".ini") for a in argv] \
        or shipped()
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            problem, text = small_text(path)
            out = os.path.join(tmp, os.path.basename(path) + ".h5")
            t0 = time.perf_counter()
            r = run_text(exe, text, out, os.path.basename(path))
            dt = time.perf_counter() - t0
            total += dt
            print(f"{os.path.basename(path):45s} {problem:22s} rc={r.returncode} {dt:6.2f} s "
                  f"{r.stderr.strip()[:200]}")
    print(f"total {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
