"""Writes the array files tests/test_array_input.c reads back: every .npy version,
dtype, byte order and memory order the reader accepts, HDF5 datasets of several types,
a text vector, and files each reader must refuse.  Usage: array_files.py DIR

Values follow formulas the C test recomputes: a matrix of shape (2, 3) holds
0.5 (10 i + j) - 3.25 (reals) or 10 i + j - 7 (integers); a vector of 5 holds
0.5 i - 1.25 or 3 i - 5.  All are exact in float32."""
import os
import sys

import h5py
import numpy as np
from numpy.lib import format as npformat


def matrix(dtype):
    i, j = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    if np.dtype(dtype).kind == "f":
        return (0.5 * (10 * i + j) - 3.25).astype(dtype)
    return (10 * i + j - 7).astype(dtype)


def vector(dtype):
    i = np.arange(5)
    if np.dtype(dtype).kind == "f":
        return (0.5 * i - 1.25).astype(dtype)
    return (3 * i - 5).astype(dtype)


def save(path, a, version=None):
    with open(path, "wb") as f:
        npformat.write_array(f, a, version=version, allow_pickle=False)


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)  # noqa: E731
    # accepted: dtypes x byte orders, C and Fortran order, versions 1, 2, 3
    for code in ("f8", "f4", "i4", "i8"):
        for order in ("<", ">"):
            tag = ("le" if order == "<" else "be") + "_" + code
            save(p(f"mat_{tag}_c.npy"), matrix(order + code))
            save(p(f"mat_{tag}_f.npy"), np.asfortranarray(matrix(order + code)))
            save(p(f"vec_{tag}.npy"), vector(order + code))
    save(p("mat_v2.npy"), matrix("<f8"), version=(2, 0))
    save(p("mat_v3.npy"), matrix("<f8"), version=(3, 0))
    save(p("col.npy"), vector("<f8").reshape(5, 1))
    save(p("row.npy"), vector("<f8").reshape(1, 5))
    # refused
    bad = vector("<f8")
    bad[3] = np.nan
    save(p("nan.npy"), bad)
    inf = matrix("<f8")
    inf[1, 2] = -np.inf
    save(p("inf.npy"), inf)
    save(p("complex.npy"), vector("<c16"))
    save(p("int16.npy"), vector("<i2"))
    save(p("rank3.npy"), np.zeros((2, 2, 2)))
    save(p("scalar.npy"), np.array(1.0))
    save(p("empty.npy"), np.zeros(0))
    save(p("structured.npy"), np.zeros(3, dtype=[("a", "<f8"), ("b", "<i4")]))
    save(p("bigint.npy"), np.array([1, 2**53 + 1], dtype="<i8"))
    with open(p("vec_le_f8.npy"), "rb") as f:
        good = f.read()
    with open(p("trunc_header.npy"), "wb") as f:
        f.write(good[:40])
    with open(p("trunc_data.npy"), "wb") as f:
        f.write(good[:-3])
    with open(p("extra.npy"), "wb") as f:
        f.write(good + b"\0" * 8)
    with open(p("notnpy.npy"), "wb") as f:
        f.write(b"PK\x03\x04 a zip, not an array")
    # HDF5: any integer or float type, in groups, rank 1 and 2
    with h5py.File(p("arrays.h5"), "w") as f:
        f["/a/b/m"] = matrix("<f8")
        f["/a/m_be"] = matrix(">f8")
        f["v16"] = vector("<i2")
        f["vu8"] = (vector("<i4") + 5).astype("u1")
        f["f32"] = matrix("<f4")
        f["s"] = np.array([b"text", b"more"])
        f["r3"] = np.zeros((2, 2, 2))
        f["scalar"] = 1.0
        f["empty"] = np.zeros(0)
        bad = vector("<f8")
        bad[4] = np.inf
        f["inf"] = bad
    with open(p("vec.txt"), "w") as f:
        f.write("# a vector\n" + "\n".join(repr(float(x)) for x in vector("<f8")) + "\n")
    with open(p("nan.txt"), "w") as f:
        f.write("1.0\n2.0\nnan\n")
    with open(p("nul.txt"), "wb") as f:
        f.write(b"1.0\n2.0\x00\n")


if __name__ == "__main__":
    main(sys.argv[1])
