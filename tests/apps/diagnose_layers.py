#!/usr/bin/python3
"""`brisk diagnose` (issue 11) on a deliberately bad conversion: max balancing with V0 = 0 at
T = 4 loses most of conv1's activity (an ANN activation below θ/4 never fires), so diagnose
must name conv1 as the layer where the error jumps, with a hint about the thresholds/steps;
a good conversion (MSE balancing, per channel, calibrated, T = 8) has a lower error in
every layer, and both report the SNN accuracy `brisk run --json` reports for the same
options. The JSON's plot is drawn (--plot).

usage: diagnose_layers.py BRISK WORKDIR   (run from the source tree)
"""
import json
import os
import sys

from clitest import fail, fresh_dir, run_brisk

BRISK, WORK = sys.argv[1], sys.argv[2]
COMMON = ["models/fmnist_cnn.h5", "--method", "rate", "--data", "fashion-mnist", "--samples", "200",
          "--calib-samples", "100", "--calib-data", "fashion-mnist:test", "--threads", "2"]
BAD = ["-T", "4", "--balance", "max", "--v0", "zero"]
GOOD = ["-T", "8", "--per-channel", "--calibrate", "all"]


def brisk(*args):
    return run_brisk(BRISK, *args).stdout


fresh_dir(WORK)
result = {}
for name, opts in (("bad", BAD), ("good", GOOD)):
    j = os.path.join(WORK, f"{name}.json")
    out = brisk("diagnose", *COMMON, *opts, "--json", j, *(["--plot"] if name == "bad" else []))
    print(out)
    d = json.load(open(j))
    r = os.path.join(WORK, f"{name}_run.json")
    brisk("run", *COMMON, *opts, "--json", r)
    run = json.load(open(r))
    if abs(d["snn_accuracy"] - run["snn_accuracy"]) > 1e-12 or abs(d["ann_accuracy"] - run["ann_accuracy"]) > 1e-12:
        fail(f"{name}: diagnose accuracy {d['snn_accuracy']}/{d['ann_accuracy']} vs run {run['snn_accuracy']}/{run['ann_accuracy']}")
    result[name] = d
bad, good = result["bad"], result["good"]
if bad["jump_layer"] != "conv1" or "conv1" not in bad["hint"] or "-T" not in bad["hint"]:
    fail(f"bad conversion: jump at {bad['jump_layer']!r}, hint {bad['hint']!r}")
conv1 = bad["layers"][0]
if conv1["name"] != "conv1" or conv1["dead"] < 0.2 or conv1["snn_mean"] > 0.5 * conv1["ann_mean"]:
    fail(f"bad conversion: conv1 figures {conv1}")
for b, g in zip(bad["layers"], good["layers"]):
    if not g["relative_error"] < b["relative_error"] or not g["correlation"] > b["correlation"]:
        fail(f"{g['name']}: good conversion error {g['relative_error']} / corr {g['correlation']} not better than "
             f"bad {b['relative_error']} / {b['correlation']}")
if not os.path.exists(os.path.join(WORK, "bad.png")) or not os.path.exists(os.path.join(WORK, "bad.svg")):
    fail("--plot: bad.png / bad.svg not written")
print("ok")
