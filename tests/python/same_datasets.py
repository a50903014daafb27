#!/usr/bin/python3
"""same_datasets.py REF.h5 NEW.h5 — every dataset of REF exists in NEW with the same
shape, type and bytes (NEW may add datasets and attributes: coordinates, CF attributes).
Exit 1 naming the first differences."""
import sys

import h5py
import numpy as np


def main(ref, new):
    bad = []
    with h5py.File(ref, "r") as a, h5py.File(new, "r") as b:
        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            if name not in b:
                bad.append(f"{name}: missing")
                return
            x, y = obj[()], b[name][()]
            if obj.dtype != b[name].dtype or np.shape(x) != np.shape(y):
                bad.append(f"{name}: type/shape {obj.dtype}{np.shape(x)} vs {b[name].dtype}{np.shape(y)}")
            elif isinstance(x, np.ndarray) and x.dtype.kind in "fiub":
                if x.tobytes() != y.tobytes():
                    bad.append(f"{name}: values differ")
            elif not np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object)):
                bad.append(f"{name}: values differ")
        a.visititems(visit)
    for line in bad[:20]:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
