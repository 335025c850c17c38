#!/usr/bin/python3
"""Issue 10's exactness check: brisk's T = 1 SNN of a bundled bitwise model against an
independent integer implementation written here (numpy int64; no brisk code).

    check_agreement.py BRISK MODEL METHOD FMNIST_DIR WORKDIR [--samples N] [--preact-samples M]

Reads MODEL with h5py, computes every test image's integer pre-activations and prediction,
runs `brisk run MODEL --method METHOD --data fashion-mnist:test --predictions --logits` and
`--preactivations` on the first M images, and requires 100% prediction agreement, equal
logits, and equal integer pre-activations of every layer. Prints "[brisk-skip]" when the
model or the data set is absent.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

import h5py
import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def integer_network(path):
    """The layers of MODEL as integer arrays (independent reader of docs/native-schema.md)."""
    layers = []
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["layer_names"]]
        out = f.attrs["output"]
        out = out.decode() if isinstance(out, bytes) else str(out)
        for n in names:
            g = f["layers"][n]
            t = g.attrs["type"]
            t = t.decode() if isinstance(t, bytes) else str(t)
            if t in ("Input", "Flatten"):
                continue
            assert t == "Dense", f"{n}: {t}"
            kind = g.attrs["bitwise"]
            kind = kind.decode() if isinstance(kind, bytes) else str(kind)
            w = g["weight"][()]
            assert set(np.unique(w)) <= {-1.0, 0.0, 1.0}
            rec = dict(name=n, kind=kind, w=w.astype(np.int64),
                       levels=int(g.attrs["input_levels"]) if "input_levels" in g.attrs else 0)
            if n == out:
                rec["scale"] = g["weight_scale"][()].astype(np.float64)
                rec["bias"] = g["bias"][()].astype(np.float64) if "bias" in g else 0.0
            else:
                rec["hi"] = g["threshold_hi"][()].astype(np.int64)
                if kind == "ternary":
                    rec["lo"] = g["threshold_lo"][()].astype(np.int64)
            layers.append(rec)
    return layers


def forward(layers, pixels):
    """pixels: uint8 [N][784]. Returns (logits float64 [N][10], [z of every layer] int64)."""
    a = pixels.astype(np.int64)
    zs = []
    for r in layers:
        z = a @ r["w"]
        zs.append(z)
        if "hi" in r:
            if r["kind"] == "binary":
                a = np.where(z >= r["hi"], 1, -1)
            else:
                a = (z >= r["hi"]).astype(np.int64) - (z <= r["lo"]).astype(np.int64)
        else:
            # float32 scale and bias are dyadic (docs/native-schema.md): exact in float64.
            logits = z.astype(np.float64) * r["scale"] + r["bias"]
    return logits, zs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("brisk")
    ap.add_argument("model")
    ap.add_argument("method")
    ap.add_argument("fmnist")
    ap.add_argument("work")
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--preact-samples", type=int, default=200)
    args = ap.parse_args()
    images = os.path.join(args.fmnist, "t10k-images-idx3-ubyte.gz")
    labels = os.path.join(args.fmnist, "t10k-labels-idx1-ubyte.gz")
    for p in (args.model, images, labels):
        if not os.path.exists(p):
            print(f"[brisk-skip] {p} is absent")
            return 0
    os.makedirs(args.work, exist_ok=True)
    stem = os.path.join(args.work, os.path.splitext(os.path.basename(args.model))[0])
    x = read_idx(images).reshape(-1, 784)[:args.samples]
    y = read_idx(labels)[:args.samples]
    layers = integer_network(args.model)
    logits, zs = forward(layers, x)
    ref_pred = logits.argmax(1)  # numpy: the first maximum, as brisk

    pred_file, logit_file, json_file = stem + "_pred.npy", stem + "_logits.npy", stem + "_run.json"
    cmd = [args.brisk, "run", args.model, "--method", args.method, "--data", "fashion-mnist:test",
           "--samples", str(args.samples), "--predictions", pred_file, "--logits", logit_file,
           "--json", json_file, "--force"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    pred = np.load(pred_file)["predictions"][:, -1]  # the --predictions record array
    snn_logits = np.load(logit_file).astype(np.float64)
    with open(json_file) as f:
        run = json.load(f)
    agree = float((pred == ref_pred).mean())
    acc = float((ref_pred == y).mean())
    print(f"{args.model}: {len(y)} images, integer reference accuracy {100 * acc:.2f}%, "
          f"brisk SNN accuracy {100 * run['snn_accuracy']:.2f}%, agreement {100 * agree:.2f}%")
    ok = agree == 1.0 and np.array_equal(snn_logits, logits) and run["latency_steps"] == 1
    ok = ok and abs(run["snn_accuracy"] - acc) < 1e-12 and abs(run["ann_accuracy"] - acc) < 1e-12
    if not np.array_equal(snn_logits, logits):
        bad = np.argwhere(snn_logits != logits)[:5]
        print(f"logits differ at {bad.tolist()}")

    # Integer pre-activations of every layer on the first M images, dumped by brisk's SNN.
    m = min(args.preact_samples, args.samples)
    prefix = stem + "_preact"
    subprocess.run([args.brisk, "run", args.model, "--method", args.method, "--data",
                    "fashion-mnist:test", "--samples", str(m), "--preactivations", prefix,
                    "--force"], check=True, stdout=subprocess.DEVNULL)
    for r, z in zip(layers, zs):
        got = np.load(f"{prefix}.{r['name']}.npy")
        same = got.shape == z[:m].shape and np.array_equal(got.astype(np.int64), z[:m]) and \
            np.array_equal(got, np.rint(got))
        print(f"  layer {r['name']}: pre-activations of {m} images "
              f"{'equal' if same else 'DIFFER'} (|z| <= {int(np.abs(z[:m]).max())})")
        ok = ok and same
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
