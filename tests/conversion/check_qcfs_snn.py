#!/usr/bin/python3
"""The bundled QCFS ResNet as an IF SNN written here in plain PyTorch, against brisk.

    check_qcfs_snn.py BRISK MODEL N T OUTDIR

The reference: the HDF5 file's layers run densely in PyTorch (tools/bench_torch.py's
make_h5_net, which reads the file with h5py, not brisk), every QCFS activation replaced by a
population of IF neurons with theta = lambda, V0 = theta / 2 and reset by subtraction (Bu et
al. 2022), the image a constant input current at every step, the network's outputs summed
over the steps; the class predicted at step t is the argmax of that sum. brisk: `brisk run
MODEL --method rate -T T --predictions`. The predictions of the first N test images must agree
at every step on >= 97% of the images (a spike decision V >= theta can flip where the two sum
a convolution in another float order), and the accuracy at every step within 2 points.
"""
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import bench_torch  # noqa: E402

brisk, model, n, T, outdir = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
os.makedirs(outdir, exist_ok=True)
pred_file = os.path.join(outdir, "predictions.npy")
subprocess.run([brisk, "run", model, "--data", "fashion-mnist:test", "--samples", str(n),
                "--method", "rate", "-T", str(T), "--threads", "2", "--predictions", pred_file,
                "--force"], check=True, stdout=subprocess.DEVNULL)
p = np.load(pred_file)

bench_torch.import_torch()
torch = bench_torch.torch
torch.set_num_threads(2)
dense_activation = bench_torch._activation
potentials, slot = [], [0]


def if_neurons(x, kind, act_max, act_bits, act_levels):
    if kind != "qcfs":
        return dense_activation(x, kind, act_max, act_bits, act_levels)
    i = slot[0]
    slot[0] += 1
    if i == len(potentials):
        potentials.append(torch.full_like(x, act_max / 2))
    v = potentials[i] + x
    spikes = (v >= act_max).to(x.dtype)
    potentials[i] = v - spikes * act_max
    return spikes * act_max


bench_torch._activation = if_neurons
net = bench_torch.make_h5_net(model)
x = bench_torch.load_images(n)
labels = p["label"]
total = None
worst = 1.0
with torch.no_grad():
    for t in range(1, T + 1):
        slot[0] = 0
        out = net(x)
        total = out if total is None else total + out
        ref = total.argmax(1).numpy()
        got = p["predictions"][:, t - 1]
        agree = float((ref == got).mean())
        acc_ref, acc_got = float((ref == labels).mean()), float((got == labels).mean())
        print(f"t={t}: torch IF {100 * acc_ref:.2f}%, brisk {100 * acc_got:.2f}%, agreement {100 * agree:.2f}%")
        worst = min(worst, agree)
        if abs(acc_ref - acc_got) > 0.02:
            sys.exit(f"step {t}: accuracy {100 * acc_got:.2f}% (brisk) vs {100 * acc_ref:.2f}% (PyTorch IF SNN)")
if len(potentials) == 0:
    sys.exit(f"{model}: no QCFS layer")
if worst < 0.97:
    sys.exit(f"predictions agree on only {100 * worst:.2f}% of the images at some step")
print(f"{len(potentials)} IF populations; agreement >= {100 * worst:.2f}% at every step")
