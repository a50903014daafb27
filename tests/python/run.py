#!/usr/bin/python3
"""Runs hdsim's Python tests (pytest) for meson: run.py [pytest arguments].
Exit 77 (meson: skipped) when pytest is missing or collected nothing (pytest's 5)."""
import os
import sys

try:
    import pytest
except ImportError:
    print("pytest not installed (apt-get install python3-pytest): skipped")
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:] or [here]
rc = pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", here] + args)
sys.exit(77 if rc == 5 else int(rc))
