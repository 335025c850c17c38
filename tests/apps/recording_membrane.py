#!/usr/bin/python3
"""`brisk run --record FILE.h5 --record-membrane` (issue 11, item 5): the recorded membrane
potentials of the bundled MLP (direct input -> IF fc1 -> IF fc2 -> readout fc3, converted
with rate, T = 6, V0 = theta/2) equal an IF simulation written here in numpy from the
converted file's weights, biases, thresholds and V0 (docs/snn-schema.md), and the recorded
spike trains are the ones that simulation fires; the recorded spike counts equal the run's
(--json); the datasets are float32 [steps][neurons], chunked and gzip-compressed.

usage: recording_membrane.py BRISK WORKDIR   (run from the source tree)
"""
import gzip
import json
import os
import sys

import h5py
import numpy as np
from clitest import fail, fresh_dir, run_brisk

BRISK, WORK = sys.argv[1], sys.argv[2]
T, N = 6, 4


def brisk(*args):
    return run_brisk(BRISK, *args).stdout


fresh_dir(WORK)
# The first N test images as an .npy pair (the reference reads the same floats).
root = "/usr/share/datasets/fashion-mnist"
with gzip.open(os.path.join(root, "t10k-images-idx3-ubyte.gz")) as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16)[: N * 784].reshape(N, 1, 28, 28).astype(np.float32) / 255
with gzip.open(os.path.join(root, "t10k-labels-idx1-ubyte.gz")) as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)[:N].astype(np.int64)
xs, ys = os.path.join(WORK, "x.npy"), os.path.join(WORK, "y.npy")
np.save(xs, x)
np.save(ys, y)
net, rec, js = (os.path.join(WORK, n) for n in ("net.h5", "rec.h5", "run.json"))
brisk("convert", "models/fmnist_mlp.h5", "-o", net, "--method", "rate", "-T", str(T), "--calib-samples", "50",
      "--calib-data", "fashion-mnist:test", "--v0", "half")
out = brisk("run", net, "--data", f"{xs},{ys}", "--record", rec, "--record-membrane", "--record-samples", f"0-{N - 1}",
            "--json", js, "--threads", "2")
if "membrane potentials" not in out:
    fail(f"the run does not say it recorded membrane potentials:\n{out}")

snn = h5py.File(net, "r")["snn"]
names = list(snn.attrs["layer_names"].astype(str))


def layer(name):
    return snn[f"layers/L{names.index(name):04d}"]


def arr(g, key, default=None):
    return g[key][()].astype(np.float64) if key in g else default


run = json.load(open(js))
f = h5py.File(rec, "r")
if int(f.attrs["timesteps"]) != T:
    fail(f"timesteps {f.attrs['timesteps']}")
checked = 0
for i in range(N):
    s = f[f"samples/{i}"]
    if "membrane" in s["input_1"] or "membrane" in s["flatten"]:
        fail("a layer without a population has a membrane dataset")
    inp = x[i].reshape(-1).astype(np.float64)
    for name in ("fc1", "fc2", "fc3"):
        g, d = layer(name), s[name]["membrane"]
        n = int(s[name].attrs["neurons"])
        if d.dtype != np.float32 or d.shape != (T, n) or d.compression != "gzip" or d.chunks is None:
            fail(f"{name}: membrane {d.dtype} {d.shape} {d.compression} {d.chunks}")
    # The reference: IF with subtract reset, V0 from the file, bias every step x bias_scale.
    current = inp
    for name in ("fc1", "fc2", "fc3"):
        g = layer(name)
        w, b = arr(g, "weight"), arr(g, "bias", 0.0) * float(g.attrs.get("bias_scale", 1.0))
        n = w.shape[1]
        v = np.broadcast_to(arr(g, "v0", np.zeros(1)), (n,)).astype(np.float64).copy() if "v0" in g and g["v0"].size else np.zeros(n)
        theta = np.broadcast_to(arr(g, "threshold"), (n,))
        rec_v = s[name]["membrane"][()]
        readout = g.attrs["neuron"] == "readout"
        if not readout and g.attrs["reset"] != "subtract":
            fail(f"{name}: reset {g.attrs['reset']}")
        spikes = np.zeros((T, n))
        want = np.zeros((T, n))
        for t in range(T):
            # Direct input: a constant current; later layers: this step's spikes of the one below.
            z = (current if current.ndim == 1 else current[t]) @ w + b
            v += z
            if not readout:
                fired = v >= theta
                spikes[t] = fired
                v -= theta * fired
            want[t] = v
        tol = 1e-4 * max(1.0, np.abs(want).max())
        if not np.allclose(rec_v, want, rtol=0, atol=tol):
            k = np.unravel_index(np.abs(rec_v - want).argmax(), want.shape)
            fail(f"sample {i} {name}: recorded membrane {rec_v[k]} at step/neuron {k}, the numpy IF gives {want[k]}")
        if not readout:  # the recorded spikes are the reference's
            got = np.zeros((T, n))
            got[s[name]["step"][()], s[name]["neuron"][()]] = 1
            if not np.array_equal(got, spikes):
                fail(f"sample {i} {name}: recorded spikes differ from the numpy IF's")
            if spikes.sum() == 0:
                fail(f"sample {i} {name}: no spikes (nothing tested)")
        current = spikes
        checked += 1
# The spike counts still equal the run's.
for l in run["layers"]:
    if f["samples/0"][l["name"]].attrs["spiking"] != 1:
        continue
    total = sum(len(f[f"samples/{i}"][l["name"]]["step"]) for i in range(N))
    if total != round(l["spikes_per_sample"] * run["samples"]):
        fail(f"{l['name']}: {total} recorded events, the run counted {l['spikes_per_sample'] * run['samples']}")
print("ok:", checked, "layer-samples")
