#!/usr/bin/python3
"""Side-by-side throughput: brisk vs PyTorch on the Fashion-MNIST CNN of issue 3.

Runs (with the same thread count, torch.set_num_threads):
  (a) the dense float ANN in PyTorch (batched, no_grad);
  (b) a time-stepped IF SNN written in plain PyTorch the way PyTorch SNN libraries run it:
      every step recomputes every layer densely (the input image is fed each step, direct
      encoding), then the IF update v += I; s = v >= theta; v -= s * theta;
  and brisk itself (`brisk bench --json`) for IF direct T and radix K, then prints brisk's
  images/s as a ratio to each.

  /usr/bin/python3 tools/bench_torch.py --brisk build/bin/brisk --threads 2   # sweeps --batches
  /usr/bin/python3 tools/bench_torch.py --brisk-json if.json radix.json   # reuse results

Network: conv 16@3x3 -> ReLU -> avgpool 2 -> conv 32@3x3 -> ReLU -> avgpool 2 -> flatten ->
dense 128 -> ReLU -> dense 10 (valid padding), the same as brisk bench's built-in network.
Weights do not change the dense PyTorch cost, so they are random here.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

# torch is imported after brisk has run: a child forked from a Python process that already
# holds torch would inherit its peak RSS (ru_maxrss survives exec) and misreport brisk's.
torch = nn = None

FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def load_images(n):
    """The first n Fashion-MNIST test images as a float tensor (random if absent)."""
    if os.path.exists(FMNIST):
        with gzip.open(FMNIST, "rb") as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        x = raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    else:
        x = np.random.default_rng(0).random((10000, 1, 28, 28), dtype=np.float32)
    return torch.from_numpy(x[:n].copy())


def import_torch():
    global torch, nn
    import torch as _torch
    import torch.nn as _nn
    torch, nn = _torch, _nn


def make_net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10)).eval()


def ann_images_per_s(net, x, batch):
    with torch.no_grad():
        net(x[:batch])  # warm-up
        t0 = time.perf_counter()
        for i in range(0, len(x), batch):
            net(x[i:i + batch])
        return len(x) / (time.perf_counter() - t0)


def snn_images_per_s(net, x, batch, T, theta=1.0):
    """Plain-PyTorch multi-step IF SNN: each step runs every layer on the full tensor."""
    conv1, _, pool1, conv2, _, pool2, flat, fc1, _, fc2 = list(net)

    def run(xb):
        v1 = v2 = v3 = None
        out = torch.zeros(xb.shape[0], 10)
        for _ in range(T):
            i1 = conv1(xb)
            v1 = i1 if v1 is None else v1 + i1
            s1 = (v1 >= theta).float()
            v1 = v1 - s1 * theta
            i2 = conv2(pool1(s1))
            v2 = i2 if v2 is None else v2 + i2
            s2 = (v2 >= theta).float()
            v2 = v2 - s2 * theta
            i3 = fc1(flat(pool2(s2)))
            v3 = i3 if v3 is None else v3 + i3
            s3 = (v3 >= theta).float()
            v3 = v3 - s3 * theta
            out = out + fc2(s3)
        return out

    with torch.no_grad():
        run(x[:batch])
        t0 = time.perf_counter()
        for i in range(0, len(x), batch):
            run(x[i:i + batch])
        return len(x) / (time.perf_counter() - t0)


def brisk_bench(brisk, args, extra):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.json")
        cmd = [brisk, "bench"] + ([args.model] if args.model else []) + ["--data", "fashion-mnist", "--samples", str(args.samples),
               "--threads", str(args.threads), "--json", path, "--micro-seconds", "0"] + extra
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brisk", default="build/bin/brisk", help="brisk executable")
    ap.add_argument("--brisk-json", nargs=2, metavar=("IF_JSON", "RADIX_JSON"),
                    help="use these brisk bench --json results instead of running brisk")
    ap.add_argument("--model", help="model file for brisk bench (default: its built-in CNN)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", type=int, default=10000, help="images for brisk and the ANN")
    ap.add_argument("--snn-samples", type=int, default=1000, help="images for the PyTorch SNN")
    ap.add_argument("--timesteps", type=int, default=32)
    ap.add_argument("--digits", type=int, default=8)
    ap.add_argument("--batch", type=int, help="one PyTorch batch size (default: sweep --batches)")
    ap.add_argument("--batches", default="16,64,256,1024",
                    help="PyTorch batch sizes to sweep; each PyTorch figure is its best one")
    args = ap.parse_args()

    if args.brisk_json:
        with open(args.brisk_json[0]) as f:
            b_if = json.load(f)
        with open(args.brisk_json[1]) as f:
            b_radix = json.load(f)
    else:
        b_if = brisk_bench(args.brisk, args, ["--neuron", "if", "--timesteps", str(args.timesteps)])
        b_radix = brisk_bench(args.brisk, args, ["--neuron", "radix", "--digits", str(args.digits)])

    import_torch()
    torch.set_num_threads(args.threads)
    net = make_net()
    # PyTorch at its best settings: on CPU its speed depends strongly on the batch size.
    batches = [args.batch] if args.batch else [int(b) for b in args.batches.split(",")]
    x_ann, x_snn = load_images(args.samples), load_images(args.snn_samples)
    ann, ann_b = max((ann_images_per_s(net, x_ann, b), b) for b in batches)
    snn, snn_b = max((snn_images_per_s(net, x_snn, b, args.timesteps), b) for b in batches)

    print(f"threads {args.threads}, torch {torch.__version__}, batches {','.join(map(str, batches))}, "
          f"brisk network {b_if['network']}")
    print(f"PyTorch dense ANN                 {ann:12.1f} images/s ({args.samples} images, best batch {ann_b})")
    print(f"PyTorch IF SNN, T={args.timesteps:<3}            {snn:12.1f} images/s ({args.snn_samples} images, best batch {snn_b})")
    print(f"brisk IF direct, T={b_if['timesteps']:<3}           {b_if['images_per_s']:12.1f} images/s"
          f" (accuracy {b_if['accuracy']:.4f})\n"
          f"  = {b_if['images_per_s'] / snn:6.2f}x the PyTorch SNN (target >= 10x)")
    print(f"brisk radix, K={b_radix['digits']:<3}               {b_radix['images_per_s']:12.1f} images/s"
          f" (accuracy {b_radix['accuracy']:.4f})\n"
          f"  = {b_radix['images_per_s'] / ann:6.2f}x the PyTorch ANN (target >= 1x)")
    print(f"brisk peak RSS                    {max(b_if['peak_rss_mb'], b_radix['peak_rss_mb']):12.1f} MB"
          f" (target < 500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
