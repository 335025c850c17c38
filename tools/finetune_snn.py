#!/usr/bin/python3
"""Fine-tune a converted network as the IF SNN that brisk runs, at a short spike train.

    /usr/bin/python3 tools/finetune_snn.py models/fmnist_resnet20_qcfs4.h5 \\
        --out models/fmnist_resnet20_qcfs4_snn4.h5 -T 4

Conversion followed by spike-based training ("hybrid" training, Rathi et al., ICLR 2020), on a
QCFS model (Bu et al., ICLR 2022): the file's network runs as the SNN `brisk run --method rate`
builds from it -- every QCFS activation a population of IF neurons with threshold theta = its
act_max (lambda), V0 = theta / 2, reset by subtraction, at most one spike per step, a spike
carrying theta; the image a constant input current at every step; the readout the sum of the
network's outputs over the steps -- and is trained by backpropagation through time over T
steps, the spike's Heaviside step given the triangular surrogate gradient max(0, 1 - |u|),
u = V / theta - 1. The loss is the cross entropy of the output averaged over the T steps
(with --loss-steps 4,8: the sum over those prefix lengths of one 8-step run). With --teacher
(knowledge distillation, Hinton et al. 2015; used for SNNs by e.g. Kushawaha et al. 2021), each
prefix's loss is (1 - a) * cross entropy + a * tau^2 * KL(teacher || SNN) on the logits divided
by tau, the teacher an ANN file (e.g. the float model the QCFS one was trained from) run in
inference form on the same augmented batch, a = --distill-weight, tau = --distill-temp.

Trained: every convolution and dense weight and bias, the folded BatchNorm's scale and shift
(Affine layers, no batch statistics: the network is in inference form), and every theta.
The output file is the input file with those values replaced (same layers, same schema,
`/metadata` gains `snn_finetune`), so `brisk convert/run --method rate` reads it unchanged and
its T-step SNN is the one trained here. Data: Fashion-MNIST's 60000 training images (random
crop with zero padding 2 and horizontal flips, as tools/train_deep.py), seed fixed; one torch
thread by default. The test accuracy of the SNN at each step up to --eval-steps is printed at
the end (PyTorch, this script's SNN; `brisk run` gives the same figures, see models/README.md).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_torch  # noqa: E402  (make_h5_net: the file's layers in PyTorch)
from train_deep import augment  # noqa: E402
from train_fmnist import load_split  # noqa: E402


class SpikeFn(torch.autograd.Function):
    """Heaviside step of u = V / theta - 1 (spike when V >= theta); triangular surrogate."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u >= 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        return grad * torch.clamp(1.0 - u.abs(), min=0.0)


class IFState:
    """Membrane potentials of the IF populations, one per QCFS layer, for one batch."""

    def __init__(self):
        self.v = {}

    def reset(self):
        self.v = {}

    def __call__(self, x, layer, kind, act_max, act_bits, act_levels):
        if kind != "qcfs":
            return bench_torch._activation(x, kind, act_max, act_bits, act_levels)
        theta = act_max
        v = self.v.get(layer)
        v = (theta / 2 if v is None else v) + x
        s = SpikeFn.apply(v / theta - 1.0)
        self.v[layer] = v - s * theta
        return s * theta


def snn_outputs(net, state, x, steps):
    """The readout's running mean after each of `steps` steps (a list of tensors)."""
    state.reset()
    total, means = None, []
    for t in range(steps):
        out = net(x)
        total = out if total is None else total + out
        means.append(total / (t + 1))
    return means


def evaluate(net, state, x, y, steps, batch=500):
    correct = np.zeros(steps)
    with torch.no_grad():
        for i in range(0, len(x), batch):
            for t, m in enumerate(snn_outputs(net, state, x[i:i + batch], steps)):
                correct[t] += (m.argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / len(x)


def write_model(net, src, out, note, snn_acc):
    """src with the trained values in place, written to a temporary file and renamed."""
    import h5py
    fd, tmp = tempfile.mkstemp(prefix=".finetune_", suffix=".h5", dir=os.path.dirname(os.path.abspath(out)))
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        with h5py.File(tmp, "r+") as f:
            layers = f["layers"]
            for n, t, _, _ in net.steps:
                key = n.replace(".", "_")
                g = layers[n]
                if t in ("Conv2D", "Dense"):
                    m = net.mods[key]
                    w = m.weight.detach().numpy()
                    g["weight"][...] = w if t == "Conv2D" else w.T
                    if m.bias is not None:
                        g["bias"][...] = m.bias.detach().numpy()
                elif t == "Affine":
                    g["scale"][...] = getattr(net, key + "_scale").detach().numpy()
                    g["shift"][...] = getattr(net, key + "_shift").detach().numpy()
                if key in net.thresholds:
                    theta = float(net.thresholds[key].detach())
                    if not (theta > 0 and np.isfinite(theta)):
                        raise SystemExit(f"layer '{n}': trained threshold {theta} is not positive")
                    g.attrs["act_max"] = np.float32(theta)
            meta = f.require_group("metadata")
            if "snn_finetune" in meta.attrs:  # a fine-tuned file fine-tuned again: keep the history
                prev = meta.attrs["snn_finetune"]
                prev = prev.decode() if isinstance(prev, bytes) else str(prev)
                note = prev + " ; then: " + note
            meta.attrs["snn_finetune"] = note
            if "test_accuracy" in meta.attrs:  # the source ANN's, no longer this file's
                meta.attrs["source_test_accuracy"] = meta.attrs["test_accuracy"]
                del meta.attrs["test_accuracy"]
            meta.attrs["snn_test_accuracy"] = snn_acc
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="brisk ANN HDF5 file with QCFS activations")
    ap.add_argument("--out", required=True, help="HDF5 file to write (not the input)")
    ap.add_argument("--force", action="store_true", help="replace an existing --out")
    ap.add_argument("-T", "--steps", type=int, default=4, help="spike-train length trained")
    ap.add_argument("--loss-steps", default=None,
                    help="comma list of prefix lengths whose losses are summed (default: T); "
                         "a length listed twice counts twice (4,4,8 weighs T = 4 double)")
    ap.add_argument("--epochs", type=float, default=1.0, help="passes over the training set")
    ap.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (Adam, one-cycle)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--eval-steps", type=int, default=8, help="test accuracy at steps 1..N")
    ap.add_argument("--eval-samples", type=int, default=10000)
    ap.add_argument("--progress", type=int, default=50)
    ap.add_argument("--average-from", type=float, default=None, metavar="F",
                    help="write the mean of the weights seen every --average-every batches from "
                         "fraction F of training on (Polyak/SWA averaging) instead of the last ones")
    ap.add_argument("--average-every", type=int, default=20)
    ap.add_argument("--teacher", default=None, metavar="ANN.h5",
                    help="distil from this brisk ANN file's logits (same input and classes)")
    ap.add_argument("--distill-weight", type=float, default=0.5, metavar="A",
                    help="--teacher: weight of the distillation term, in [0, 1]")
    ap.add_argument("--distill-temp", type=float, default=2.0, metavar="TAU",
                    help="--teacher: softmax temperature (> 0)")
    args = ap.parse_args()

    if os.path.abspath(args.out) == os.path.abspath(args.model):
        raise SystemExit(f"--out: {args.out} is the input model")
    if os.path.exists(args.out) and not args.force:
        raise SystemExit(f"--out: {args.out} exists (use --force to replace it)")
    if not os.path.exists(args.model):
        raise SystemExit(f"{args.model}: no such file")
    steps = args.steps
    if steps < 1:
        raise SystemExit(f"-T: {steps}: the spike train needs at least one step")
    try:
        loss_steps = sorted(int(s) for s in (args.loss_steps or str(steps)).split(","))
    except ValueError:
        raise SystemExit(f"--loss-steps: {args.loss_steps}: expected a comma list of integers")
    if loss_steps[0] < 1 or loss_steps[-1] > steps:
        raise SystemExit(f"--loss-steps: {args.loss_steps}: each step must be in 1..T (T = {steps})")
    if args.epochs < 0:
        raise SystemExit(f"--epochs: {args.epochs} is negative")
    if args.average_from is not None and not 0 <= args.average_from < 1:
        raise SystemExit(f"--average-from: {args.average_from}: expected a fraction in [0, 1)")
    if args.average_every < 1:
        raise SystemExit(f"--average-every: {args.average_every}: expected at least 1")
    if args.teacher is not None:
        if not os.path.exists(args.teacher):
            raise SystemExit(f"--teacher: {args.teacher}: no such file")
        if not 0 <= args.distill_weight <= 1:
            raise SystemExit(f"--distill-weight: {args.distill_weight}: expected a weight in [0, 1]")
        if not args.distill_temp > 0:
            raise SystemExit(f"--distill-temp: {args.distill_temp}: expected a positive temperature")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    bench_torch.import_torch()
    state = IFState()
    net = bench_torch.make_h5_net(args.model, activation=state, trainable=True)
    if not any(a.get("activation") == "qcfs" for _, _, _, a in net.steps):
        raise SystemExit(f"{args.model}: no QCFS activation (this tool fine-tunes QCFS models)")
    x, y = load_split("train")
    xt, yt = load_split("test")
    xt, yt = xt[:args.eval_samples], yt[:args.eval_samples]
    teacher = None
    if args.teacher is not None:
        teacher = bench_torch.make_h5_net(args.teacher)
        teacher.eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            probe = x[:1]
            classes_t, classes_s = teacher(probe).shape[-1], net(probe).shape[-1]
        state.reset()
        if classes_t != classes_s:
            raise SystemExit(f"--teacher: {args.teacher} has {classes_t} outputs, "
                             f"{args.model} has {classes_s}")
    tau, alpha = args.distill_temp, args.distill_weight

    def loss_of(logits, labels, soft):
        ce = F.cross_entropy(logits, labels)
        if soft is None:
            return ce
        kd = F.kl_div(F.log_softmax(logits / tau, dim=1), soft, reduction="batchmean") * tau * tau
        return (1 - alpha) * ce + alpha * kd


    def log(msg):
        print(msg, flush=True)

    per_epoch = (len(x) + args.batch - 1) // args.batch
    total_steps = int(round(args.epochs * per_epoch))  # 0: evaluate and write only
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(total_steps, 1),
                                                pct_start=0.1)
    log(f"{args.model}: {sum(p.numel() for p in net.parameters())} parameters, "
        f"{len(net.thresholds)} thresholds; T {steps}, loss at steps {loss_steps}, "
        f"{total_steps} batches of {args.batch}, peak lr {args.lr}, seed {args.seed}, "
        f"torch {torch.__version__}, threads {args.threads}"
        + (f"; distilling from {args.teacher} (weight {alpha}, temperature {tau})" if teacher is not None else ""))
    gen = torch.Generator().manual_seed(args.seed)
    net.train()
    t0 = time.time()
    done, running = 0, 0.0
    params = list(net.parameters())
    average, averaged = None, 0
    average_start = total_steps if args.average_from is None else int(args.average_from * total_steps)
    if args.average_from is not None and total_steps - average_start < args.average_every:
        raise SystemExit(f"--average-from {args.average_from} --average-every {args.average_every}: "
                         f"no snapshot in {total_steps} batches")
    while done < total_steps:
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), args.batch):
            if done == total_steps:
                break
            idx = perm[i:i + args.batch]
            xb = augment(x[idx], gen)
            soft = None
            if teacher is not None:
                with torch.no_grad():
                    soft = F.softmax(teacher(xb) / tau, dim=1)
            means = snn_outputs(net, state, xb, steps)
            loss = sum(loss_of(means[s - 1], y[idx], soft) for s in loss_steps)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():  # thresholds stay positive
                for p in net.thresholds.values():
                    p.clamp_(min=1e-3)
            done += 1
            if done > average_start and (done - average_start) % args.average_every == 0:
                with torch.no_grad():
                    if average is None:
                        average = [p.detach().clone() for p in params]
                    else:
                        for a, p in zip(average, params):
                            a.add_(p.detach() - a, alpha=1.0 / (averaged + 1))
                averaged += 1
            running = 0.98 * running + 0.02 * loss.item() if done > 1 else loss.item()
            if args.progress and done % args.progress == 0:
                log(f"  batch {done}/{total_steps}: loss {running:.4f}, {time.time() - t0:.0f} s")
    wall = time.time() - t0
    net.eval()
    if average is not None:
        acc = evaluate(net, state, xt, yt, args.eval_steps)
        log("test accuracy of the last weights (PyTorch) at T = 1.." + str(args.eval_steps) + ": " +
            ", ".join(f"{a:.2f}" for a in acc))
        with torch.no_grad():
            for a, p in zip(average, params):
                p.copy_(a)
        log(f"writing the mean of {averaged} weight snapshots (every {args.average_every} batches "
            f"from batch {average_start})")
    acc = evaluate(net, state, xt, yt, args.eval_steps)
    log(f"training wall time {wall:.0f} s")
    log("test accuracy of the SNN (PyTorch) at T = 1.." + str(args.eval_steps) + ": " +
        ", ".join(f"{a:.2f}" for a in acc))
    note = (f"tools/finetune_snn.py -T {steps} --loss-steps {','.join(map(str, loss_steps))} "
            f"--epochs {args.epochs} --lr {args.lr} --batch {args.batch} --seed {args.seed}"
            + (f" --average-from {args.average_from} --average-every {args.average_every}"
               if args.average_from is not None else "")
            + (f" --teacher {os.path.basename(args.teacher)} --distill-weight {alpha} --distill-temp {tau}"
               if teacher is not None else "")
            + f"; from {os.path.basename(args.model)}")
    snn_acc = (f"rate/IF T = 1..{args.eval_steps} on {len(xt)} test images (PyTorch): " +
               ", ".join(f"{a:.2f}" for a in acc))
    write_model(net, args.model, args.out, note, snn_acc)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
