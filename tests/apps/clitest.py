"""Helpers shared by the CLI test scripts in this folder (each is run as
`python3 tests/apps/NAME.py BRISK WORKDIR`, so this module is importable beside it)."""
import os
import shutil
import subprocess
import sys


def fail(msg):
    """Ends the test: prints the reason and exits 1 (CTest reports the test failed)."""
    print("FAIL:", msg)
    sys.exit(1)


def run_brisk(exe, *args, rc=0):
    """Runs `exe args...`; fails unless it exits with rc. Returns the CompletedProcess."""
    args = [str(a) for a in args]
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    if p.returncode != rc:
        fail(f"brisk {' '.join(args)}: exit {p.returncode} (expected {rc})\n{p.stdout}{p.stderr}")
    return p


def fresh_dir(path):
    """An empty folder at path (what an earlier run left there is removed)."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
