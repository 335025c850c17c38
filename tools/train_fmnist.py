#!/usr/bin/python3
"""Train brisk's bundled Fashion-MNIST CNNs (run with /usr/bin/python3: Debian's torch).

Two variants of one network (conv 16@3x3 -> act -> avgpool 2 -> conv 32@3x3 -> act ->
avgpool 2 -> flatten -> dense 128 -> act -> dense 10, valid padding, no BatchNorm):

  float  ReLU activations; the model for rate / TerMapping / AugMapping conversion and for
         radix coding with post-training quantization.
  qK     ClipFloor(K, act_max) activations (clip-floor, straight-through gradient), fine-tuned
         from the float model with act_max per layer fixed from the float model's activation
         percentile on training data; radix coding with K digits reproduces it exactly.

Data: the Debian package dataset-fashion-mnist (IDX gz), read with numpy; pixels / 255.
Everything is seeded and single-threaded, so a run is reproducible on the same machine.

  /usr/bin/python3 tools/train_fmnist.py --variant float --out models/fmnist_cnn.h5
  /usr/bin/python3 tools/train_fmnist.py --variant q8 --init out/train/fmnist_cnn.pt \
      --out models/fmnist_cnn_q8.h5

Each run writes a checkpoint (out/train/<stem>.pt) and prints a log; `--export-only` turns a
checkpoint into the HDF5 file with tools/brisk_torch.py's exporter.
"""
import argparse
import gzip
import os
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
FMNIST_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Reads an IDX (gzip) file: magic (2 zero bytes, dtype 0x08, ndim), big-endian dims."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def load_split(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # N,1,28,28
    return x, torch.from_numpy(y.astype(np.int64))


class LocalClipFloor(nn.Module):
    """K-bit clip-floor activation with a straight-through gradient (fallback used only when
    tools/brisk_torch.py is absent; same arithmetic as brisk's act_bits)."""

    def __init__(self, bits, max_value):
        super().__init__()
        self.bits = bits
        self.max_value = float(max_value)

    def forward(self, x):
        levels = 2 ** self.bits
        step = self.max_value / levels
        clipped = torch.clamp(x, 0.0, self.max_value - step)
        quant = torch.clamp(torch.floor(x / step), 0, levels - 1) * step
        return clipped + (quant - clipped).detach()


def clip_floor_class():
    try:
        from brisk_torch import ClipFloor  # noqa: WPS433 (optional dependency)
        return ClipFloor, "tools/brisk_torch.py"
    except ImportError:
        return LocalClipFloor, "local fallback"


def make_model(acts):
    """acts: three activation modules (after conv1, conv2, dense1)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), acts[0], nn.AvgPool2d(2),
        nn.Conv2d(16, 32, 3), acts[1], nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 5 * 5, 128), acts[2],
        nn.Linear(128, 10))


ACT_SLOTS = (1, 4, 8)  # indices of the activations inside the Sequential


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / len(x)


def activation_percentiles(model, x, pct):
    """Per activation slot: the pct-th percentile of the float model's post-ReLU outputs."""
    model.eval()
    values = {}
    hooks = [model[s].register_forward_hook(
        lambda m, i, o, s=s: values.setdefault(s, []).append(o.detach().flatten()))
        for s in ACT_SLOTS]
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            model(x[i:i + 1000])
    for h in hooks:
        h.remove()
    out = []
    for s in ACT_SLOTS:
        v = torch.cat(values[s]).numpy()
        out.append(float(np.percentile(v, pct)))
    return out


def train(model, x, y, xt, yt, epochs, lr, batch, seed, log):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for epoch in range(epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(x), generator=gen)
        total, count = 0.0, 0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            count += len(idx)
        acc = evaluate(model, xt, yt)
        log(f"epoch {epoch + 1}/{epochs}: train loss {total / count:.4f}, "
            f"test acc {acc:.2f}%, {time.time() - t0:.1f} s")
    return evaluate(model, xt, yt)


LAYER_NAMES = ("conv1", "act1", "pool1", "conv2", "act2", "pool2", "flatten", "fc1", "act3", "fc2")


def export(model, path, metadata):
    from brisk_torch import export_model  # the import issue's exporter
    # Same modules under readable names (the layer names brisk prints).
    named = nn.Sequential(OrderedDict(zip(LAYER_NAMES, model)))
    export_model(named, path, input_shape=(1, 28, 28), metadata=metadata)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", default="float", help="float, or qK (e.g. q8) for K bits")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", help="checkpoint of the float model (qK variants)")
    ap.add_argument("--percentile", type=float, default=99.99,
                    help="qK: act_max per layer = this percentile of the float activations")
    ap.add_argument("--out", required=True, help="HDF5 file to write")
    ap.add_argument("--checkpoint", help="default out/train/<stem of --out>.pt")
    ap.add_argument("--export-only", action="store_true",
                    help="load the checkpoint and write --out, no training")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    stem = os.path.splitext(os.path.basename(args.out))[0]
    ckpt = args.checkpoint or os.path.join("out", "train", stem + ".pt")
    os.makedirs(os.path.dirname(ckpt), exist_ok=True)

    def log(msg):
        print(msg, flush=True)

    quant_bits = 0
    if args.variant != "float":
        if not args.variant.startswith("q") or not args.variant[1:].isdigit():
            raise SystemExit(f"--variant: expected float or qK, got {args.variant}")
        quant_bits = int(args.variant[1:])

    x, y = load_split("train")
    xt, yt = load_split("test")

    if quant_bits == 0:
        acts = [nn.ReLU() for _ in ACT_SLOTS]
        maxes = None
    else:
        if not args.init and not args.export_only:
            raise SystemExit("--init: a qK variant is fine-tuned from the float checkpoint")
        if args.export_only:
            maxes = torch.load(ckpt)["act_max"]
        else:
            float_model = make_model([nn.ReLU() for _ in ACT_SLOTS])
            float_model.load_state_dict(torch.load(args.init)["state_dict"])
            maxes = activation_percentiles(float_model, x[:10000], args.percentile)
        cls, origin = clip_floor_class()
        log(f"ClipFloor from {origin}; act_max per layer: {[round(m, 4) for m in maxes]}")
        acts = [cls(quant_bits, m) for m in maxes]
    model = make_model(acts)

    if args.export_only:
        model.load_state_dict(torch.load(ckpt)["state_dict"])
        acc = evaluate(model, xt, yt)
    else:
        epochs = args.epochs or (24 if quant_bits == 0 else 3)
        lr = args.lr or (3e-3 if quant_bits == 0 else 2e-4)
        if quant_bits:
            model.load_state_dict(torch.load(args.init)["state_dict"])
            log(f"float init, quantized before fine-tuning: test acc {evaluate(model, xt, yt):.2f}%")
        log(f"variant {args.variant}: epochs {epochs}, lr {lr}, batch {args.batch}, "
            f"seed {args.seed}, torch {torch.__version__}, threads 1")
        acc = train(model, x, y, xt, yt, epochs, lr, args.batch, args.seed, log)
        torch.save({"state_dict": model.state_dict(), "act_max": maxes, "test_acc": acc}, ckpt)
        log(f"checkpoint: {ckpt}")
    log(f"final test accuracy (10000 images): {acc:.2f}%")

    metadata = {"dataset": "fashion-mnist", "test_accuracy": f"{acc:.2f}",
                "variant": args.variant, "seed": str(args.seed),
                "script": "tools/train_fmnist.py"}
    try:
        export(model, args.out, metadata)
        log(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")
    except ImportError:
        log("tools/brisk_torch.py not available yet: rerun with --export-only to write "
            f"{args.out}")


if __name__ == "__main__":
    main()
