#!/usr/bin/python3
"""`brisk run --record` (issue 11): a recording of 10 samples of the bundled CNN opens in h5py
and, per spiking layer, its events equal the run's spike counts (--json, same 10 samples).

usage: recording_counts.py BRISK WORKDIR   (run from the source tree)
Also checked here: steps within [0, T), neuron indices within the layer, events of a step
one event per neuron and step in spiking layers, datasets chunked and gzip-compressed, and a bad layer name is exit 2.
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
from clitest import fail, fresh_dir

BRISK, WORK = sys.argv[1], sys.argv[2]


fresh_dir(WORK)
rec, js = os.path.join(WORK, "rec.h5"), os.path.join(WORK, "run.json")
args = [BRISK, "run", "models/fmnist_cnn.h5", "--method", "rate", "-T", "8", "--data", "fashion-mnist",
        "--samples", "10", "--calib-samples", "100", "--calib-data", "fashion-mnist:test", "--threads", "2"]
p = subprocess.run(args + ["--record", rec, "--record-samples", "0-9", "--record-layers", "all", "--json", js],
                   capture_output=True, text=True)
if p.returncode != 0:
    fail(f"exit {p.returncode}: {p.stderr}")
run = json.load(open(js))
f = h5py.File(rec, "r")
if f.attrs["format"] != "brisk-recording" or sorted(f["samples"].keys(), key=int) != [str(i) for i in range(10)]:
    fail(f"attributes / samples: {dict(f.attrs)} {list(f['samples'].keys())}")
T = int(f.attrs["timesteps"])
checked = 0
for layer in run["layers"]:
    name = layer["name"]
    total = 0
    for s in f["samples"].values():
        g = s[name]
        step, neuron = g["step"][()], g["neuron"][()]
        total += len(step)
        if len(step) and (step.min() < 0 or step.max() >= T or neuron.min() < 0 or neuron.max() >= g.attrs["neurons"]):
            fail(f"{name}: step or neuron out of range")
        if len(step) and g["step"].compression != "gzip":
            fail(f"{name}: not compressed")
        if g.attrs["spiking"] == 1:
            for t in range(T):
                ids = neuron[step == t]
                if len(np.unique(ids)) != len(ids):
                    fail(f"{name} step {t}: a neuron fires twice in one step")
    if f["samples/0"][name].attrs["spiking"] == 1:
        want = layer["spikes_per_sample"] * run["samples"]
        if total != round(want):
            fail(f"{name}: {total} recorded events, the run counted {want} spikes")
        checked += 1 if want > 0 else 0
if checked < 3:
    fail(f"only {checked} spiking layers with spikes compared")
p = subprocess.run(args + ["--record", os.path.join(WORK, "x.h5"), "--record-layers", "nolayer"],
                   capture_output=True, text=True)
if p.returncode != 2 or "nolayer" not in p.stderr:
    fail(f"unknown layer: exit {p.returncode} {p.stderr!r}")
print("ok:", checked, "layers")
