#!/usr/bin/python3
"""Train brisk's bundled binary (BNN) and ternary (TNN) Fashion-MNIST MLPs and their float peer.

Run with /usr/bin/python3 (Debian's torch). Architecture of all three variants:
flatten (784) -> fc1 256 -> act -> fc2 256 -> act -> fc3 10 (readout), batch norm before
every hidden activation in the bitwise variants.

  bnn    binary weights {-1,+1} x per-output-channel scale (mean |w|, XNOR-Net), sign
         activations (+1 at BN output >= 0, else -1), straight-through estimator (hardtanh
         gradient); fc1 takes the analog image (pixels quantized to k/255, which they are),
         fc3 is a plain readout (binary weights x scale + bias, no activation).
  tnn    after Alemdar et al.: ternary weights {-1,0,+1} (TWN threshold 0.7 mean|w|, scale =
         mean of the kept |w|, per output channel), ternary activations (+1 at BN output
         >= delta, -1 at <= -delta, else 0; delta = 0.5), straight-through estimator. (Trained
         directly, without Alemdar et al.'s teacher-student stage.)
  float  the same MLP with float weights and ReLU: the high-precision base model.

The bitwise variants are exported with tools/brisk_torch.py's export_bitwise_mlp (the
"bitwise" attribute set of docs/native-schema.md): integer thresholds per neuron derived from
the batch norm and the activation's boundaries, the readout's scale and bias on a dyadic grid
so that every sum is exact in float32. The script then evaluates the *exported* integer
network with numpy (int64) and prints its accuracy: that is the model brisk runs.

  /usr/bin/python3 tools/train_bitwise.py --variant bnn --out models/fmnist_bnn.h5
  /usr/bin/python3 tools/train_bitwise.py --variant tnn --out models/fmnist_tnn.h5
  /usr/bin/python3 tools/train_bitwise.py --variant float --out models/fmnist_mlp.h5

Seeded and single-threaded; --subset N trains on N images for a quick check of the script.
"""
import argparse
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
from train_fmnist import load_split  # noqa: E402  (same data loading: pixels / 255)
import brisk_torch  # noqa: E402

HIDDEN = 256
TERNARY_DELTA = 0.5


class _Sign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class _Ternary(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, delta):
        ctx.save_for_backward(x)
        return (x >= delta).to(x.dtype) - (x <= -delta).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype), None


class SignAct(nn.Module):
    def forward(self, x):
        return _Sign.apply(x)


class TernaryAct(nn.Module):
    def __init__(self, delta=TERNARY_DELTA):
        super().__init__()
        self.delta = float(delta)

    def forward(self, x):
        return _Ternary.apply(x, self.delta)


class BitLinear(nn.Linear):
    """Linear layer with binary or ternary weights x per-output scale; latent float weights
    get the gradient (straight-through)."""

    def __init__(self, n_in, n_out, mode, bias=False):
        super().__init__(n_in, n_out, bias=bias)
        self.mode = mode

    def quantized(self):
        """(alphabet weights, per-output scale) of the current latent weights."""
        w = self.weight
        if self.mode == "binary":
            alpha = w.abs().mean(dim=1)
            q = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
        else:
            delta = 0.7 * w.abs().mean(dim=1, keepdim=True)
            q = (w > delta).to(w.dtype) - (w < -delta).to(w.dtype)
            kept = q.abs()
            alpha = (w.abs() * kept).sum(1) / kept.sum(1).clamp(min=1)
        return q, alpha

    def forward(self, x):
        q, alpha = self.quantized()
        wq = q * alpha.unsqueeze(1)
        w = self.weight + (wq - self.weight).detach()
        return F.linear(x, w, self.bias)

    def latent(self, q, alpha):
        """Latent weights normalized so that deterministic rounding gives q and stochastic
        rounding has mean ~ w / alpha (binary) or w / (2 * delta) (ternary), in [-1, 1]."""
        w = self.weight.detach().double()
        if self.mode == "binary":
            lat = (w / alpha.double().unsqueeze(1)).clamp(-1, 1)
            lat = torch.where(lat == 0, q.double() * 1e-6, lat)  # sign(0) is +1: keep it
        else:
            delta = 0.7 * w.abs().mean(dim=1, keepdim=True)
            lat = (w / (2 * delta)).clamp(-1, 1)
        return lat


def make_model(variant):
    if variant == "float":
        return nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(784, HIDDEN)), ("act1", nn.ReLU()),
            ("fc2", nn.Linear(HIDDEN, HIDDEN)), ("act2", nn.ReLU()),
            ("fc3", nn.Linear(HIDDEN, 10))]))
    mode = "binary" if variant == "bnn" else "ternary"
    act = SignAct if mode == "binary" else TernaryAct
    return nn.Sequential(OrderedDict([
        ("flatten", nn.Flatten()),
        ("fc1", BitLinear(784, HIDDEN, mode)), ("bn1", nn.BatchNorm1d(HIDDEN)), ("act1", act()),
        ("fc2", BitLinear(HIDDEN, HIDDEN, mode)), ("bn2", nn.BatchNorm1d(HIDDEN)), ("act2", act()),
        ("fc3", BitLinear(HIDDEN, 10, mode, bias=True))]))


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / len(x)


def clip_latent(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, BitLinear):
                m.weight.clamp_(-1.0, 1.0)


def train(model, x, y, xt, yt, epochs, lr, batch, seed, log, bitwise):
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
            if bitwise:
                clip_latent(model)
            total += loss.item() * len(idx)
            count += len(idx)
        acc = evaluate(model, xt, yt)
        log(f"epoch {epoch + 1}/{epochs}: train loss {total / count:.4f}, "
            f"test acc (torch) {acc:.2f}%, {time.time() - t0:.1f} s")
    return evaluate(model, xt, yt)


def bitwise_layers(model, delta):
    """The export description of each BitLinear (brisk_torch.export_bitwise_mlp's input)."""
    mode = model.fc1.mode
    out = []
    for name, bn_name, levels in (("fc1", "bn1", 255), ("fc2", "bn2", 0), ("fc3", None, 0)):
        lin = getattr(model, name)
        q, alpha = lin.quantized()
        q, alpha = q.detach(), alpha.detach()
        entry = dict(name=name, mode=mode, weight=q.numpy().astype(np.float64),
                     scale=alpha.double().numpy(), latent=lin.latent(q, alpha).numpy(),
                     input_levels=levels)
        if bn_name is not None:
            bn = getattr(model, bn_name)
            entry["bn"] = brisk_torch.batchnorm_affine(bn)
            entry["delta"] = 0.0 if mode == "binary" else delta
            entry["input_unit"] = 1.0 / levels if levels else 1.0
        else:
            entry["bias"] = lin.bias.detach().double().numpy()
        out.append(entry)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", required=True, choices=("bnn", "tnn", "float"))
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--subset", type=int, default=0, help="train on the first N images only")
    ap.add_argument("--out", required=True, help="HDF5 file to write")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t_start = time.time()

    def log(msg):
        print(msg, flush=True)

    x, y = load_split("train")
    xt, yt = load_split("test")
    if args.subset:
        x, y = x[:args.subset], y[:args.subset]
    bitwise = args.variant != "float"
    epochs = args.epochs or (5 if bitwise else 3)
    lr = args.lr or (5e-3 if bitwise else 2e-3)
    model = make_model(args.variant)
    log(f"variant {args.variant}: {model}")
    log(f"epochs {epochs}, lr {lr}, batch {args.batch}, seed {args.seed}, "
        f"torch {torch.__version__}, threads 1, {len(x)} training images")
    acc = train(model, x, y, xt, yt, epochs, lr, args.batch, args.seed, log, bitwise)
    log(f"torch test accuracy (10000 images): {acc:.2f}%")
    metadata = {"dataset": "fashion-mnist", "variant": args.variant, "seed": str(args.seed),
                "epochs": str(epochs), "script": "tools/train_bitwise.py",
                "torch_test_accuracy": f"{acc:.2f}"}
    if bitwise:
        layers = bitwise_layers(model.eval(), TERNARY_DELTA)
        exported = brisk_torch.export_bitwise_mlp(layers, args.out, input_shape=(1, 28, 28),
                                                  metadata=metadata)
        xi = np.rint(xt.numpy().reshape(len(xt), -1) * 255.0).astype(np.int64)
        logits = brisk_torch.bitwise_mlp_reference(exported, xi)
        acc_int = 100.0 * float((logits.argmax(1) == yt.numpy()).mean())
        log(f"exported integer network (numpy int64) test accuracy: {acc_int:.2f}%")
    else:
        brisk_torch.export_model(model.eval(), args.out, input_shape=(1, 28, 28),
                                 metadata=metadata)
    log(f"wrote {args.out} ({os.path.getsize(args.out)} bytes), wall time "
        f"{time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
