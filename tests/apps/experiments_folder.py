#!/usr/bin/python3
"""Result folders of `brisk sweep --out DIR` end to end, with real signals (issue 11).

usage: experiments_folder.py BRISK WORKDIR   (run from the source tree: models/ is relative)

1. A sweep is interrupted with SIGINT once its first configuration is reported: exit 130,
   a consistent folder (results.json/.csv rows = the finished configurations, manifest
   status "interrupted"); --resume is interrupted again with SIGTERM; a second --resume
   completes it. An uninterrupted sweep of the same options gives the same figures, checked
   here in Python (every field but the wall times) and by `brisk compare` (exit 0).
2. An existing non-empty folder is refused (exit 2) without --force/--resume.
3. `brisk sweep --config DIR/manifest.ini --out DIR2` reproduces the figures (compare exit 0);
   a copy of the model with one changed byte makes compare report its SHA-256 (exit 1).
"""
import csv
import hashlib
import json
import os
import re
import signal
import subprocess
import sys

from clitest import fail, fresh_dir  # noqa: E402
import time

BRISK, WORK = sys.argv[1], sys.argv[2]
MODEL = "models/fmnist_cnn.h5"
ARGS = [MODEL, "--data", "fashion-mnist", "--samples", "2000", "--calib-samples", "100", "--calib-data", "fashion-mnist:test",
        "--methods", "rate,radix", "--stages", "none", "--timesteps-list", "2,4,8", "--threads", "2"]
TIMES = {"convert_seconds", "run_seconds"}




def sweep(out, *extra, interrupt=None):
    """Runs a sweep; with interrupt=SIG, sends SIG once the first new row is on stdout."""
    cmd = [BRISK, "sweep", *ARGS, "--out", out, *extra]
    if interrupt is None:
        p = subprocess.run(cmd, capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if "convert" in line and " run " in line:  # a configuration just finished
            # Into the next configuration's run (T = 4 after T = 2: about twice the run
            # time, after a conversion like this one's), so that it is the engine's check
            # between batches that has to stop it: the first one's conversion time and half
            # its run time, measured here, not assumed.
            m = re.search(r"convert ([0-9.]+) s, run ([0-9.]+) s", line)
            time.sleep(float(m.group(1)) + 0.5 * float(m.group(2)) if m else 0.2)
            p.send_signal(interrupt)
            break
    out_rest, err = p.communicate(timeout=300)
    return p.returncode, "".join(lines) + out_rest, err


def rows(folder):
    with open(os.path.join(folder, "results.json")) as f:
        runs = json.load(f)["runs"]
    with open(os.path.join(folder, "results.csv")) as f:
        csv_rows = list(csv.DictReader(f))
    if len(csv_rows) != len(runs):
        fail(f"{folder}: results.csv has {len(csv_rows)} rows, results.json {len(runs)}")
    for r in runs:
        for k in TIMES:
            r.pop(k)
        if "calibration_report" in r:
            r["calibration_report"].pop("seconds", None)
    return runs


def manifest_status(folder):
    for line in open(os.path.join(folder, "manifest.ini")):
        if line.startswith("status = "):
            return line.split("=", 1)[1].strip()
    fail(f"{folder}/manifest.ini: no status")


def main():
    fresh_dir(WORK)
    full, part = os.path.join(WORK, "full"), os.path.join(WORK, "interrupted")

    rc, out, err = sweep(part, interrupt=signal.SIGINT)
    print(out, err)
    if rc != 130:
        fail(f"SIGINT: exit status {rc}, expected 130")
    n1 = len(rows(part))
    # The signal came while the second configuration ran: it stops within a batch of
    # samples and is dropped, so exactly the first one is in the folder.
    if n1 != 1:
        fail(f"after SIGINT {n1} rows, expected 1 of 4 (the running configuration must stop, not finish)")
    if manifest_status(part) != "interrupted":
        fail("manifest status after SIGINT is not 'interrupted'")

    rc, out, err = sweep(part)
    if rc != 2 or "not empty" not in err:
        fail(f"a sweep into the non-empty folder: exit {rc}, stderr {err!r}")

    rc, out, err = sweep(part, "--resume", interrupt=signal.SIGTERM)
    print(out, err)
    if rc == 130:
        n2 = len(rows(part))
        if n2 <= n1:
            fail(f"the resumed sweep added no row before SIGTERM ({n1} -> {n2})")
    elif rc != 0:
        fail(f"SIGTERM during --resume: exit status {rc}")
    rc, out, err = sweep(part, "--resume")
    print(out, err)
    if rc != 0:
        fail(f"final --resume: exit status {rc}: {err}")
    if manifest_status(part) != "complete":
        fail("manifest status after the last --resume is not 'complete'")

    rc, out, err = sweep(full)
    if rc != 0:
        fail(f"uninterrupted sweep: exit {rc}: {err}")
    a, b = rows(full), rows(part)
    if len(a) != 4 or a != b:
        fail(f"resumed figures differ from the uninterrupted run:\n{a}\n{b}")
    p = subprocess.run([BRISK, "compare", full, part], capture_output=True, text=True)
    print(p.stdout)
    if p.returncode != 0:
        fail(f"brisk compare full resumed: exit {p.returncode}")

    # Reproduce from the manifest.
    again = os.path.join(WORK, "again")
    p = subprocess.run([BRISK, "sweep", "--config", os.path.join(full, "manifest.ini"), "--out", again],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"sweep --config manifest.ini: exit {p.returncode}: {p.stderr}")
    if rows(again) != a:
        fail("the sweep from the manifest gives other figures")
    p = subprocess.run([BRISK, "compare", full, again], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"compare full again: exit {p.returncode}\n{p.stdout}")

    # One changed byte of the model: its SHA-256 is reported, exit 1.
    changed = os.path.join(WORK, "changed.h5")
    data = bytearray(open(MODEL, "rb").read())
    data[-1] ^= 1  # the file's last byte (weights data; the file stays readable)
    open(changed, "wb").write(bytes(data))
    digest = hashlib.sha256(bytes(data)).hexdigest()
    other = os.path.join(WORK, "changed")
    p = subprocess.run([BRISK, "sweep", "--config", os.path.join(full, "manifest.ini"), "--model", changed,
                        "--out", other], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"sweep of the changed model: exit {p.returncode}: {p.stderr}")
    p = subprocess.run([BRISK, "compare", full, other], capture_output=True, text=True)
    print(p.stdout)
    if p.returncode != 1 or digest not in p.stdout:
        fail(f"compare with a changed model: exit {p.returncode}, SHA-256 {digest} reported: {digest in p.stdout}")
    print("ok")


main()
