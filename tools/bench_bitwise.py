#!/usr/bin/python3
"""Throughput of a bundled bitwise model (issue 10), side by side in one run:

  packed   brisk's T = 1 SNN with the bit-packed BitDense operator (ops/bitdense.cpp)
  float    brisk's T = 1 SNN of the same network through the float Dense operator
           (`brisk run --bitwise-kernel float`): brisk's float T = 1 path
  torch    the same bitwise ANN as a dense PyTorch float32 network (round(255 x), matmuls,
           thresholds), torch.no_grad, at its best batch size (16, 64, 256, 1024 swept)

on the 10000 Fashion-MNIST test images, `--runs` alternating runs per thread count; prints
every run and the medians (ratios: median of the per-run ratios). brisk's figure is its
`images_per_second` (simulation wall time, the model and data loaded beforehand).

  /usr/bin/python3 tools/bench_bitwise.py --brisk build/bin/brisk --model models/fmnist_bnn.h5 \\
      --method binary --threads 1
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train_fmnist import load_split  # noqa: E402


def brisk_rate(brisk, model, method, threads, kernel):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.json")
        subprocess.run([brisk, "run", model, "--method", method, "--data", "fashion-mnist:test",
                        "--threads", str(threads), "--bitwise-kernel", kernel, "--json", out],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            j = json.load(f)
    return j["images_per_second"], j["snn_accuracy"]


def torch_model(path):
    layers = []
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["layer_names"]]
        out = f.attrs["output"]
        out = out.decode() if isinstance(out, bytes) else str(out)
        for n in names:
            g = f["layers"][n]
            if "bitwise" not in g.attrs:
                continue
            rec = dict(w=torch.from_numpy(g["weight"][()].astype(np.float32)),
                       levels=float(g.attrs.get("input_levels", 0)))
            if n == out:
                rec["scale"] = torch.from_numpy(g["weight_scale"][()])
                rec["bias"] = torch.from_numpy(g["bias"][()])
            else:
                rec["hi"] = torch.from_numpy(g["threshold_hi"][()])
                rec["lo"] = torch.from_numpy(g["threshold_lo"][()]) if "threshold_lo" in g else rec["hi"] - 1
            layers.append(rec)

    def forward(x):
        a = x
        for r in layers:
            if r["levels"]:
                a = torch.round(a * r["levels"])
            z = a @ r["w"]
            if "hi" in r:
                a = (z >= r["hi"]).float() - (z <= r["lo"]).float()
            else:
                return z * r["scale"] + r["bias"]
    return forward


def torch_rate(forward, x, y, batch):
    correct = 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (forward(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return len(x) / (time.perf_counter() - t0), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brisk", default="build/bin/brisk")
    ap.add_argument("--model", required=True)
    ap.add_argument("--method", required=True, choices=("binary", "ternary"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batches", default="16,64,256,1024")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, y = load_split("test")
    x = x.reshape(len(x), -1)
    forward = torch_model(args.model)
    batches = [int(b) for b in args.batches.split(",")]
    rows = []
    for run in range(args.runs):
        packed, acc_p = brisk_rate(args.brisk, args.model, args.method, args.threads, "packed")
        flt, acc_f = brisk_rate(args.brisk, args.model, args.method, args.threads, "float")
        sweep = {b: torch_rate(forward, x, y, b) for b in batches}
        best = max(sweep, key=lambda b: sweep[b][0])
        rows.append((packed, flt, sweep[best][0], best))
        print(f"run {run + 1}: packed {packed:.0f} img/s, float {flt:.0f} img/s, torch {sweep[best][0]:.0f} "
              f"img/s (batch {best}; " + ", ".join(f"{b}: {sweep[b][0]:.0f}" for b in batches) +
              f"); accuracy packed {100 * acc_p:.2f}% float {100 * acc_f:.2f}% torch "
              f"{100 * sweep[best][1]:.2f}%", flush=True)
    med = lambda v: statistics.median(v)  # noqa: E731
    print(f"median ({args.runs} runs, {args.threads} thread(s)): packed {med([r[0] for r in rows]):.0f} img/s, "
          f"float T=1 {med([r[1] for r in rows]):.0f} img/s, torch {med([r[2] for r in rows]):.0f} img/s; "
          f"packed/float {med([r[0] / r[1] for r in rows]):.2f}x, "
          f"packed/torch {med([r[0] / r[2] for r in rows]):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
