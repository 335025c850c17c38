#!/usr/bin/python3
"""CTest entry of the Python module's tests: runs pytest on this folder, or prints the skip
marker CTest reports as Skipped when pytest is not installed (python3-pytest)."""
import os
import sys

try:
    import pytest
except ImportError:
    print("[brisk-skip] pytest is not installed (python3-pytest)")
    sys.exit(0)

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", here] + sys.argv[1:]))
