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

Deep networks (issue 9): `--model FILE.h5` with a brisk ANN HDF5 file (e.g. the bundled
ResNet, models/fmnist_resnet20.h5) benchmarks that network on both sides: the dense PyTorch
ANN is built from the file's layers (H5Net below: Conv2d/Linear/BN-affine/pools/Add/cat in
plain PyTorch, the file's weights), and brisk bench runs the same file. The plain-PyTorch
IF SNN is written for the built-in CNN only and is skipped for other networks.
`--torch-only` measures the PyTorch ANN alone (batch-size sweep), without brisk:

  /usr/bin/python3 tools/bench_torch.py --model models/fmnist_resnet20.h5 --threads 2
  /usr/bin/python3 tools/bench_torch.py --model models/fmnist_resnet20.h5 --torch-only --samples 500
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
torch = nn = F = None

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
    global F
    import torch as _torch
    import torch.nn as _nn
    import torch.nn.functional as _F
    torch, nn, F = _torch, _nn, _F


def make_net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10)).eval()


# ---- dense PyTorch ANN from a brisk ANN HDF5 file (issue 9) --------------------------------

def _activation(x, kind, act_max, act_bits, act_levels):
    if kind == "relu":
        return torch.relu(x)
    if kind == "clipped_relu":
        if act_bits:
            levels = float(2 ** act_bits)
            return torch.clamp(torch.floor(x * levels / act_max), 0.0, levels - 1.0) * act_max / levels
        return torch.clamp(x, 0.0, act_max)
    if kind == "qcfs":
        t = torch.clamp(x / act_max, 0.0, 1.0)
        return torch.floor(t * act_levels + 0.5) / act_levels * act_max
    return x  # linear; softmax on the output is dropped (logits), as brisk does


def _sym_pads(pads, name):
    top, bottom, left, right = (int(p) for p in pads)
    return (top, left) if (top == bottom and left == right) else None


def make_h5_net(path, activation=None, trainable=False):
    """An nn.Module running the layers of a brisk ANN HDF5 file densely (eval mode).

    activation(x, layer, kind, act_max, act_bits, act_levels) replaces the file's activations
    (default: _activation, the ANN's). trainable: the Affine (folded BatchNorm) scales and
    shifts become parameters too, and every layer with a finite act_max gets a parameter
    `thresholds[<layer key>]` holding it (tools/finetune_snn.py trains them); the Conv2d and
    Linear weights are parameters either way."""
    import h5py

    class H5Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = []
            self.mods = nn.ModuleDict()
            self.thresholds = nn.ParameterDict()
            with h5py.File(path, "r") as f:
                if f.attrs.get("brisk_format") != "brisk-ann":
                    raise SystemExit(f"{path}: not a brisk ANN HDF5 file (brisk_format)")
                names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["layer_names"]]
                self.output = str(f.attrs["output"])
                for n in names:
                    g = f["layers"][n]
                    a = dict(g.attrs)
                    data = {k: torch.from_numpy(g[k][()]) for k in g}
                    self.steps.append((n, str(a["type"]), [str(i) for i in a.get("inputs", [])], a))
                    self._module(n, str(a["type"]), a, data)

        def _module(self, n, t, a, data):
            key = n.replace(".", "_")
            if t == "Conv2D":
                w = data["weight"]
                pads = [int(p) for p in a.get("pads", [0, 0, 0, 0])]
                sym = _sym_pads(pads, n)
                conv = nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]),
                                 stride=tuple(int(s) for s in a.get("stride", [1, 1])),
                                 padding=sym if sym else 0, bias="bias" in data)
                conv.weight.data.copy_(w)
                if "bias" in data:
                    conv.bias.data.copy_(data["bias"])
                conv.extra_pad = None if sym else (pads[2], pads[3], pads[0], pads[1])
                self.mods[key] = conv
            elif t == "Dense":
                w = data["weight"]
                lin = nn.Linear(w.shape[0], w.shape[1], bias="bias" in data)
                lin.weight.data.copy_(w.t())
                if "bias" in data:
                    lin.bias.data.copy_(data["bias"])
                self.mods[key] = lin
            elif t == "Affine":
                if trainable:
                    self.register_parameter(key + "_scale", nn.Parameter(data["scale"].clone()))
                    self.register_parameter(key + "_shift", nn.Parameter(data["shift"].clone()))
                else:
                    self.register_buffer(key + "_scale", data["scale"])
                    self.register_buffer(key + "_shift", data["shift"])
            act_max = float(a.get("act_max", float("inf")))
            if trainable and np.isfinite(act_max):
                self.thresholds[key] = nn.Parameter(torch.tensor(act_max, dtype=torch.float32))

        def forward(self, x):
            vals = {}
            for n, t, inputs, a in self.steps:
                key = n.replace(".", "_")
                src = [vals[i] for i in inputs]
                if t == "Input":
                    y = x
                elif t == "Conv2D":
                    m = self.mods[key]
                    z = src[0] if m.extra_pad is None else F.pad(src[0], m.extra_pad)
                    y = m(z)
                elif t == "Dense":
                    y = self.mods[key](src[0])
                elif t == "Affine":
                    s, b = getattr(self, key + "_scale"), getattr(self, key + "_shift")
                    shape = (1, -1) + (1,) * (src[0].dim() - 2)
                    y = src[0] * s.view(shape) + b.view(shape)
                elif t in ("AvgPool2D", "MaxPool2D"):
                    k = tuple(int(v) for v in a["kernel"])
                    st = tuple(int(v) for v in a.get("stride", k))
                    pads = [int(p) for p in a.get("pads", [0, 0, 0, 0])]
                    sym = _sym_pads(pads, n)
                    if sym is None:
                        raise SystemExit(f"{path}: layer '{n}': asymmetric pool padding")
                    if t == "AvgPool2D":
                        y = F.avg_pool2d(src[0], k, st, sym,
                                         count_include_pad=bool(int(a.get("count_include_pad", 1))))
                    else:
                        y = F.max_pool2d(src[0], k, st, sym)
                elif t == "GlobalAvgPool2D":
                    y = src[0].mean(dim=(2, 3))
                elif t == "Flatten":
                    z = src[0]
                    if z.dim() == 4 and str(a.get("flatten_order", "CHW")) == "HWC":
                        z = z.permute(0, 2, 3, 1)
                    y = z.flatten(1)
                elif t == "Reshape":
                    y = src[0].reshape((src[0].shape[0],) + tuple(int(v) for v in a["target_shape"]))
                elif t == "ZeroPad2D":
                    p = [int(v) for v in a["pads"]]
                    y = F.pad(src[0], (p[2], p[3], p[0], p[1]))
                elif t == "Add":
                    y = src[0]
                    for z in src[1:]:
                        y = y + z
                elif t == "Concat":
                    y = torch.cat(src, dim=1)
                elif t == "Activation":
                    y = src[0]
                else:
                    raise SystemExit(f"{path}: layer '{n}': unsupported type {t}")
                act_max = self.thresholds[key] if key in self.thresholds else float(a.get("act_max", float("inf")))
                kind = str(a.get("activation", "linear"))
                if activation is None:
                    vals[n] = _activation(y, kind, act_max, int(a.get("act_bits", 0)), int(a.get("act_levels", 0)))
                else:
                    vals[n] = activation(y, n, kind, act_max, int(a.get("act_bits", 0)),
                                         int(a.get("act_levels", 0)))
            return vals[self.output]

    return H5Net().eval()

# ---- end H5Net -----------------------------------------------------------------------------


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


def is_brisk_ann(path):
    import h5py
    try:
        with h5py.File(path, "r") as f:
            return f.attrs.get("brisk_format") == "brisk-ann"
    except OSError:
        return False


def torch_net(model):
    """The PyTorch ANN: the file's network when it is a brisk ANN HDF5 file, else the CNN."""
    return make_h5_net(model) if model and is_brisk_ann(model) else make_net()


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
    ap.add_argument("--model", help="model file for brisk bench (default: its built-in CNN); a "
                    "brisk ANN HDF5 file is also the PyTorch ANN (its layers and weights)")
    ap.add_argument("--torch-only", action="store_true",
                    help="only the PyTorch dense ANN (batch-size sweep), no brisk, no SNN")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", type=int, default=10000, help="images for brisk and the ANN")
    ap.add_argument("--snn-samples", type=int, default=1000, help="images for the PyTorch SNN")
    ap.add_argument("--timesteps", type=int, default=32)
    ap.add_argument("--digits", type=int, default=8)
    ap.add_argument("--batch", type=int, help="one PyTorch batch size (default: sweep --batches)")
    ap.add_argument("--batches", default="16,64,256,1024",
                    help="PyTorch batch sizes to sweep; each PyTorch figure is its best one")
    args = ap.parse_args()

    if args.torch_only:
        import_torch()
        torch.set_num_threads(args.threads)
        net = torch_net(args.model)
        batches = [args.batch] if args.batch else [int(b) for b in args.batches.split(",")]
        x_ann = load_images(args.samples)
        print(f"threads {args.threads}, torch {torch.__version__}, network "
              f"{args.model or 'built-in CNN'}, {args.samples} images")
        for b in batches:
            print(f"PyTorch dense ANN, batch {b:<5} {ann_images_per_s(net, x_ann, b):12.1f} images/s")
        return 0

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
    net = torch_net(args.model)
    # PyTorch at its best settings: on CPU its speed depends strongly on the batch size.
    batches = [args.batch] if args.batch else [int(b) for b in args.batches.split(",")]
    x_ann, x_snn = load_images(args.samples), load_images(args.snn_samples)
    ann, ann_b = max((ann_images_per_s(net, x_ann, b), b) for b in batches)
    builtin = not (args.model and is_brisk_ann(args.model))
    # The plain-PyTorch IF SNN is written for the built-in CNN's layers.
    snn, snn_b = (max((snn_images_per_s(net, x_snn, b, args.timesteps), b) for b in batches)
                  if builtin else (float("nan"), 0))

    print(f"threads {args.threads}, torch {torch.__version__}, batches {','.join(map(str, batches))}, "
          f"brisk network {b_if['network']}")
    print(f"PyTorch dense ANN                 {ann:12.1f} images/s ({args.samples} images, best batch {ann_b})")
    if builtin:
        print(f"PyTorch IF SNN, T={args.timesteps:<3}            {snn:12.1f} images/s ({args.snn_samples} images, best batch {snn_b})")
    else:
        print("PyTorch IF SNN                    skipped (written for the built-in CNN only)")
    print(f"brisk IF direct, T={b_if['timesteps']:<3}           {b_if['images_per_s']:12.1f} images/s"
          f" (accuracy {b_if['accuracy']:.4f})")
    if builtin:
        print(f"  = {b_if['images_per_s'] / snn:6.2f}x the PyTorch SNN (target >= 10x)")
    print(f"brisk radix, K={b_radix['digits']:<3}               {b_radix['images_per_s']:12.1f} images/s"
          f" (accuracy {b_radix['accuracy']:.4f})\n"
          f"  = {b_radix['images_per_s'] / ann:6.2f}x the PyTorch ANN (target >= 1x)")
    print(f"brisk peak RSS                    {max(b_if['peak_rss_mb'], b_radix['peak_rss_mb']):12.1f} MB"
          f" (target < 500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
