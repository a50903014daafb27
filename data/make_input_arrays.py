#!/usr/bin/python3
"""Writes the arrays of models/noisy_data_*.ini and models/sam_quadratic_eigenvectors.ini
(data/README.md): python3 data/make_input_arrays.py [DIR] (default: this directory)."""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261207)

# noisy_sgd: n = 800 Gaussian rows in d = 16 with K = U diag(lambda) U^T, labels from a
# teacher plus N(0, 0.2^2) noise
d, n = 16, 800
lam = 2.0 * (np.arange(1, d + 1) / d) ** -0.7
lam *= d / lam.sum()  # mean eigenvalue 1
U = np.linalg.qr(rng.standard_normal((d, d)))[0]
A = (rng.standard_normal((n, d)) * np.sqrt(lam)) @ U.T
theta = rng.standard_normal(d) / np.sqrt(d)
b = A @ theta + 0.2 * rng.standard_normal(n)
np.save(os.path.join(out, "noisy_rows.npy"), A)
np.save(os.path.join(out, "noisy_labels.npy"), b)
np.save(os.path.join(out, "noisy_basis.npy"), U)
np.savetxt(os.path.join(out, "noisy_lambda.txt"), lam, fmt="%.17g")
np.savetxt(os.path.join(out, "noisy_teacher.txt"), theta, fmt="%.17g")

# sam_quadratic: a random orthonormal basis of R^4 for H = U diag(lambda) U^T
np.save(os.path.join(out, "sam_basis4.npy"), np.linalg.qr(rng.standard_normal((4, 4)))[0])
