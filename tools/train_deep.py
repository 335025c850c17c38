#!/usr/bin/python3
"""Train brisk's bundled deep Fashion-MNIST networks (issue 9; run with /usr/bin/python3).

Architectures (28x28x1 input, 'same' 3x3 convolutions, BatchNorm after every convolution):

  resnet  a ResNet-20-shaped net scaled to 28x28: conv-BN-ReLU stem (28x28); three stages of
          three basic blocks `relu(bn(conv(relu(bn(conv(x))))) + s(x))` at 14x14, 7x7, 4x4:
          the first block of each stage has stride 2 and a projection shortcut s (1x1
          stride-2 conv + BN), the others an identity shortcut;
          global average pooling; a linear head. Written with torch.nn.functional.relu and
          `+`, as a PyTorch user writes a ResNet (brisk_torch.py traces it with torch.fx).
  vgg     VGG-style: [conv-BN-ReLU x2, maxpool 2] x3 stages, then dense-BN-ReLU, dense 10.
  resnet --qcfs L
          the same ResNet with every ReLU replaced by QCFS(L, lambda) (brisk_torch.QCFS,
          Bu et al., ICLR 2022: lambda/L * clip(floor(x L / lambda + 1/2), 0, L), trainable
          lambda per layer, straight-through gradient), fine-tuned from the float ResNet
          (--init); lambda starts at the float model's activation percentile per layer.

Data: the Debian package dataset-fashion-mnist (IDX gz) read with numpy, pixels / 255; the
60000 training images for training (augmented: random crop with zero padding 2, horizontal
flip), the 10000 test images for the accuracy printed after every epoch. Seeds are fixed.

  /usr/bin/python3 tools/train_deep.py --arch resnet --out models/fmnist_resnet20.h5
  /usr/bin/python3 tools/train_deep.py --arch vgg --out models/fmnist_vgg.h5
  /usr/bin/python3 tools/train_deep.py --arch resnet --qcfs 4 \
      --init out/train/fmnist_resnet20.pt --out models/fmnist_resnet20_qcfs4.h5

Each run writes a checkpoint (out/train/<stem>.pt, holding the constructor arguments too);
`--export-only` turns a checkpoint into the HDF5 file with tools/brisk_torch.py's exporter.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train_fmnist import evaluate, load_split  # noqa: E402  (the IDX reader, test accuracy)


# -- models ---------------------------------------------------------------------------------

class Acts(nn.Module):
    """The activations of a model: F.relu when `qcfs` is None, else one brisk_torch.QCFS
    module per slot (each with its own trainable threshold)."""

    def __init__(self, count, qcfs=None, thresholds=None):
        super().__init__()
        self.count = count
        if qcfs is None:
            self.q = None
        else:
            from brisk_torch import QCFS
            thresholds = thresholds or [8.0] * count
            self.q = nn.ModuleList(QCFS(qcfs, t) for t in thresholds)


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); shortcut = identity, or a 1x1
    strided conv + BN when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.proj = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.proj_bn = nn.BatchNorm2d(cout)
        else:
            self.proj = None

    def forward(self, x, act1, act2):
        out = act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = x if self.proj is None else self.proj_bn(self.proj(x))
        return act2(out + short)


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=3, qcfs=None, thresholds=None):
        super().__init__()
        self.widths, self.blocks = tuple(widths), blocks
        # Every stage starts with a stride-2 block (28 -> 14 -> 7 -> 4): stage 1 at 28x28
        # would cost 4x the compute, too much for the 2-core training budget.
        self.stem = nn.Conv2d(1, widths[0], 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(widths[0])
        layers, cin = [], widths[0]
        for s, w in enumerate(widths):
            for b in range(blocks):
                layers.append(BasicBlock(cin, w, 2 if b == 0 else 1))
                cin = w
        self.layers = nn.ModuleList(layers)
        self.fc = nn.Linear(cin, 10)
        self.acts = Acts(1 + 2 * len(layers), qcfs, thresholds)

    def act(self, i):
        q = self.acts.q
        return F.relu if q is None else q[i]

    def forward(self, x):
        x = self.act(0)(self.stem_bn(self.stem(x)))
        for i, block in enumerate(self.layers):
            x = block(x, self.act(1 + 2 * i), self.act(2 + 2 * i))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class VGG(nn.Module):
    """[conv-BN-ReLU x2, maxpool 2] per stage (28 -> 14 -> 7 -> 3), dense-BN-ReLU, dense 10."""

    def __init__(self, widths=(16, 32, 64), hidden=128):
        super().__init__()
        self.widths, self.hidden = tuple(widths), hidden
        feats, cin = [], 1
        for w in widths:
            feats += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                      nn.Conv2d(w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                      nn.MaxPool2d(2)]
            cin = w
        self.features = nn.Sequential(*feats)
        side = 28
        for _ in widths:
            side //= 2
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(cin * side * side, hidden, bias=False),
            nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.3), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def build(config):
    if config["arch"] == "resnet":
        return ResNet(config["widths"], config["blocks"], config.get("qcfs"),
                      config.get("thresholds"))
    if config["arch"] == "vgg":
        return VGG(config["widths"], config["hidden"])
    raise SystemExit(f"--arch: expected resnet or vgg, got {config['arch']}")


# -- training -------------------------------------------------------------------------------

def augment(xb, gen, pad=2):
    """Random crop with zero padding `pad` and a random horizontal flip, per image (1 channel)."""
    n, _, h, w = xb.shape
    xp = F.pad(xb, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = dy[:, None] + torch.arange(h)[None, :]                        # n,h
    cols = dx[:, None] + torch.arange(w)[None, :]                        # n,w
    out = xp[torch.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]]  # n,h,w
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.where(flip[:, None, None], out.flip(2), out)
    return out.unsqueeze(1)


def activation_percentiles(model, x, pct):
    """Per activation slot of a float ResNet: the pct-th percentile of its (ReLU) outputs,
    collected by running the model with recording activations in place of F.relu."""
    values = [[] for _ in range(model.acts.count)]

    class Record(nn.Module):
        def __init__(self, i):
            super().__init__()
            self.i = i

        def forward(self, t):
            out = F.relu(t)
            values[self.i].append(out.detach().flatten()[::7])
            return out

    saved = model.acts.q
    model.acts.q = nn.ModuleList(Record(i) for i in range(model.acts.count))
    model.eval()
    with torch.no_grad():
        for i in range(0, len(x), 500):
            model(x[i:i + 500])
    model.acts.q = saved
    return [float(np.percentile(torch.cat(v).numpy(), pct)) for v in values]


def train(model, x, y, xt, yt, args, log, start_epoch=0, state=None, save=None):
    gen = torch.Generator().manual_seed(args.seed)
    params = [p for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": args.wd},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=args.lr, momentum=0.9, nesterov=True)
    assert len(params) == len(decay) + len(no_decay)
    steps_per_epoch = (len(x) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr,
                                                total_steps=args.epochs * steps_per_epoch,
                                                pct_start=args.warmup)
    t_start = time.time()
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(x), generator=gen)
        total, correct, count = 0.0, 0, 0
        for i in range(0, len(x), args.batch):
            idx = perm[i:i + args.batch]
            xb = augment(x[idx], gen, args.crop_pad) if args.augment else x[idx]
            out = model(xb)
            loss = F.cross_entropy(out, y[idx], label_smoothing=args.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == y[idx]).sum().item()
            count += len(idx)
            step = i // args.batch + 1
            if args.progress and step % args.progress == 0:
                log(f"  epoch {epoch + 1} step {step}/{steps_per_epoch}: loss {total / count:.4f}, "
                    f"{time.time() - t0:.1f} s")
            if args.max_steps and count >= args.max_steps * args.batch:
                break
        # The first 2000 test images only (the full test set costs ~30 s on a shared CPU).
        acc = evaluate(model, xt[:2000], yt[:2000])
        log(f"epoch {epoch + 1}/{args.epochs}: train loss {total / count:.4f}, "
            f"train acc {100.0 * correct / count:.2f}%, test acc (2000) {acc:.2f}%, "
            f"{time.time() - t0:.1f} s (total {time.time() - t_start:.1f} s)")
        if save:
            save(epoch + 1)
    wall = time.time() - t_start
    return evaluate(model, xt, yt), wall


def export(model, path, metadata):
    from brisk_torch import export_model
    export_model(model, path, input_shape=(1, 28, 28), metadata=metadata)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="resnet", help="resnet or vgg")
    ap.add_argument("--widths", default=None, help="channels per stage, e.g. 16,32,64")
    ap.add_argument("--blocks", type=int, default=3, help="resnet: basic blocks per stage")
    ap.add_argument("--hidden", type=int, default=128, help="vgg: width of the hidden dense layer")
    ap.add_argument("--qcfs", type=int, default=0, help="resnet: QCFS levels L (0 = ReLU)")
    ap.add_argument("--init", help="--qcfs: checkpoint of the float ResNet to fine-tune "
                    "(without it the QCFS ResNet is trained from scratch)")
    ap.add_argument("--init-threshold", type=float, default=3.0,
                    help="--qcfs without --init: initial lambda of every layer")
    ap.add_argument("--percentile", type=float, default=99.9,
                    help="--qcfs: initial lambda per layer = this percentile of the float "
                    "model's activations")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None, help="peak learning rate (one-cycle SGD)")
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--warmup", type=float, default=0.25, help="one-cycle warm-up fraction")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--no-augment", dest="augment", action="store_false",
                    help="no random crop, no flip")
    ap.add_argument("--crop-pad", type=int, default=2,
                    help="random-crop zero padding (0: horizontal flips only)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: on a shared machine 2 threads ran ~10x slower)")
    ap.add_argument("--subset", type=int, default=0, help="train on the first N images (tests)")
    ap.add_argument("--progress", type=int, default=100, help="log every N steps (0: off)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop each epoch after N steps")
    ap.add_argument("--out", required=True, help="HDF5 file to write")
    ap.add_argument("--checkpoint", help="default out/train/<stem of --out>.pt")
    ap.add_argument("--export-only", action="store_true",
                    help="load the checkpoint and write --out, no training")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    stem = os.path.splitext(os.path.basename(args.out))[0]
    ckpt = args.checkpoint or os.path.join("out", "train", stem + ".pt")
    os.makedirs(os.path.dirname(ckpt) or ".", exist_ok=True)

    def log(msg):
        print(msg, flush=True)

    x, y = load_split("train")
    xt, yt = load_split("test")
    if args.subset:
        x, y = x[:args.subset], y[:args.subset]

    if args.export_only:
        saved = torch.load(ckpt)
        config = saved["config"]
        model = build(config)
        model.load_state_dict(saved["state_dict"])
        acc = evaluate(model, xt, yt)
        wall = saved.get("wall_s", 0.0)
    else:
        if args.arch not in ("resnet", "vgg"):
            raise SystemExit(f"--arch: expected resnet or vgg, got {args.arch}")
        default_widths = "16,32,64"
        widths = [int(w) for w in (args.widths or default_widths).split(",")]
        config = {"arch": args.arch, "widths": widths, "blocks": args.blocks,
                  "hidden": args.hidden}
        if args.qcfs and not args.init:
            if args.arch != "resnet":
                raise SystemExit("--qcfs: needs --arch resnet")
            # From scratch, as Bu et al. train: every lambda starts at --init-threshold.
            config = dict(config, qcfs=args.qcfs, thresholds=[args.init_threshold] *
                          (1 + 2 * len(widths) * args.blocks))
            model = build(config)
            log(f"QCFS L={args.qcfs} from scratch, initial lambda {args.init_threshold}")
        elif args.qcfs:
            if args.arch != "resnet":
                raise SystemExit("--qcfs: needs --arch resnet")
            init = torch.load(args.init)
            float_model = build(init["config"])
            float_model.load_state_dict(init["state_dict"])
            log(f"float init {args.init}: test acc {evaluate(float_model, xt, yt):.2f}%")
            thresholds = activation_percentiles(float_model, x[:5000], args.percentile)
            log(f"QCFS L={args.qcfs}, initial lambda per layer: "
                f"{[round(t, 3) for t in thresholds]}")
            config = dict(init["config"], qcfs=args.qcfs, thresholds=thresholds)
            model = build(config)
            missing, unexpected = model.load_state_dict(init["state_dict"], strict=False)
            if unexpected or any(not k.startswith("acts.") for k in missing):
                raise SystemExit(f"--init: checkpoint does not match ({missing}, {unexpected})")
            log(f"float weights with QCFS before fine-tuning: test acc "
                f"{evaluate(model, xt, yt):.2f}%")
        else:
            model = build(config)
        args.epochs = args.epochs or (3 if args.init else 8)
        args.lr = args.lr or (0.02 if args.init else 0.1)
        log(f"{args.arch} widths {widths} qcfs {args.qcfs}: epochs {args.epochs}, "
            f"peak lr {args.lr}, wd {args.wd}, batch {args.batch}, seed {args.seed}, "
            f"augment {args.augment} (crop pad {args.crop_pad}), torch {torch.__version__}, threads {args.threads}, "
            f"{sum(p.numel() for p in model.parameters())} parameters")

        def save(epoch, acc=None, wall=None):
            torch.save({"config": config, "state_dict": model.state_dict(), "epoch": epoch,
                        "test_acc": acc, "wall_s": wall}, ckpt)

        acc, wall = train(model, x, y, xt, yt, args, log, save=save)
        save(args.epochs, acc, wall)
        log(f"checkpoint: {ckpt}; training wall time {wall:.0f} s")
        if args.qcfs:
            log("trained lambda per layer: "
                f"{[round(float(q.threshold), 4) for q in model.acts.q]}")
    log(f"final test accuracy (10000 images): {acc:.2f}%")

    metadata = {"dataset": "fashion-mnist", "test_accuracy": f"{acc:.2f}",
                "arch": config["arch"], "qcfs_levels": str(config.get("qcfs") or 0),
                "seed": str(args.seed), "script": "tools/train_deep.py"}
    export(model, args.out, metadata)
    log(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
