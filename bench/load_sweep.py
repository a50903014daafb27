#!/usr/bin/env python3
"""hdsim.load on a sweep of many points (bench/README.md, "Loading sweeps"), in one run:

  baseline  plain h5py: every dataset of /sweep/simulation and /sweep/theory into numpy
  load      hdsim.load(path) and the stacked risk over (point, t)
  xarray    xr.load_dataset(path, group="sweep/simulation", engine="h5netcdf"): one
            group as xarray's h5netcdf engine reads it (what load did for every group)
  point     after load, one point's flattened simulation group on request
  all       after load, every group of the file (res.values(): points/K/... included)

The sweep: streaming_lsq at d = 50, 2 runs, 20 output times, POINTS points (lr x
label_noise); its run is not timed.  Best of --repeat runs for the first four.

usage: load_sweep.py HDSIM [--points N] [--repeat R] [--keep FILE]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

import h5py  # noqa: E402
import xarray as xr  # noqa: E402

import hdsim  # noqa: E402

MODEL = """[model]
problem = streaming_lsq
seed = 5
[data]
d = 50
spectrum = power_law
alpha = 1.5
label_noise = 0.5
target = random
[optimizer]
lr = 0.5
[simulation]
runs = 2
horizon = 2
[output]
times = log(0.02, 2, 20)
[sweep]
optimizer.lr = linear(0.1, 1.5, {n_lr})
data.label_noise = {noises}
"""


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def plain_h5py(path):
    out = {}
    with h5py.File(path, "r") as f:
        for g in ("sweep/simulation", "sweep/theory"):
            for name, d in f[g].items():
                out[g + "/" + name] = d[()]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("hdsim", nargs="?", default=None)
    ap.add_argument("--points", type=int, default=200, help="sweep points (a multiple of 4)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the sweep file here (and reuse it if it exists)")
    a = ap.parse_args()
    exe = a.hdsim or hdsim.binary()
    n_noise = 4 if a.points >= 8 else 1
    n_lr = a.points // n_noise
    noises = ", ".join(str(x) for x in (0.1, 0.3, 0.5, 0.7)[:n_noise])
    with tempfile.TemporaryDirectory() as tmp:
        path = a.keep or os.path.join(tmp, "sweep.h5")
        if not os.path.exists(path):
            ini = os.path.join(tmp, "sweep.ini")
            with open(ini, "w") as fh:
                fh.write(MODEL.format(n_lr=n_lr, noises=noises if n_noise > 1 else "0.5"))
            t0 = time.perf_counter()
            subprocess.run([exe, "run", ini, "-o", path, "--quiet", "--threads", "1"],
                           check=True)
            print(f"sweep of {n_lr * n_noise} points written in {time.perf_counter() - t0:.1f} s "
                  f"({os.path.getsize(path) / 2**20:.0f} MiB)")
        with h5py.File(path, "r") as f:
            n = int(f["sweep"].attrs["n_points"])
            n_objects = [0]
            f.visit(lambda _: n_objects.__setitem__(0, n_objects[0] + 1))
        print(f"{path}: {n} points, {n_objects[0]} HDF5 objects")

        t_base = best(lambda: plain_h5py(path), a.repeat)
        t_load = best(lambda: hdsim.load(path)["sweep/simulation"]["risk"].values, a.repeat)
        t_xr = best(lambda: xr.load_dataset(path, group="sweep/simulation", engine="h5netcdf"),
                    a.repeat)
        res = hdsim.load(path)
        t_point = best(lambda: hdsim.load(path)[f"points/{n // 2}/simulation"], a.repeat) - t_load
        t0 = time.perf_counter()
        groups = res.values()
        t_all = time.perf_counter() - t0
        print(f"{'baseline: h5py, stacked datasets':44s} {t_base:9.4f} s")
        print(f"{'hdsim.load + stacked risk':44s} {t_load:9.4f} s  {t_load / t_base:8.1f}x baseline")
        print(f"{'xarray h5netcdf, sweep/simulation alone':44s} {t_xr:9.4f} s  "
              f"{t_xr / t_base:8.1f}x baseline")
        print(f"{'one point on request (after load)':44s} {max(t_point, 0):9.4f} s")
        print(f"{'every group (' + str(len(groups)) + ')':44s} {t_all:9.4f} s  "
              f"{t_all / t_base:8.1f}x baseline")


if __name__ == "__main__":
    main()
