#!/usr/bin/python3
"""Notebook-style example of the brisk Python module: train a small CNN in PyTorch, convert it
in memory with two methods (rate coding and AugMapping, both calibrated layer by layer), run
both on Fashion-MNIST test images and plot accuracy against the number of steps T.

    cmake --build build && PYTHONPATH=build/python /usr/bin/python3 examples/python_torch_convert.py [OUT.png]

Needs torch, matplotlib and Debian's dataset-fashion-mnist (tools/install-deps.sh).
"""
import sys
import time

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import brisk  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "accuracy_vs_T.png"
torch.manual_seed(0)
torch.set_num_threads(2)
start = time.perf_counter()

# %% Data: brisk reads Debian's Fashion-MNIST into numpy (N, 1, 28, 28) float32 in [0, 1].
x_train, y_train = brisk.load_data("fashion-mnist:train", samples=10000)
x_test, y_test = brisk.load_data("fashion-mnist:test", samples=1000)
train = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train).long()),
    batch_size=100, shuffle=True)

# %% A small CNN, trained for two epochs on 10000 images.
model = nn.Sequential(
    nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AvgPool2d(2),
    nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AvgPool2d(2),
    nn.Flatten(), nn.Linear(16 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), 2e-3)
for epoch in range(2):
    for xb, yb in train:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
model.eval()
print(f"trained in {time.perf_counter() - start:.1f} s")

# %% Into brisk, in memory (no file): the same Graph the exported .h5 would give.
ann = brisk.from_torch(model, (1, 28, 28))
print(ann.summary())
ann_accuracy = ann.evaluate(x_test, y_test)["accuracy"]
print(f"ANN accuracy {100 * ann_accuracy:.2f}%")

# %% Two methods, calibrated on 200 training images; one run each gives the whole curve
# (accuracy after every step t = 1..T).
T = 16
curves = {}
for method in ("rate", "augmap"):
    snn = brisk.convert(ann, method=method, timesteps=T, per_channel=True, calibrate="all",
                        calib_data=x_train[:2000], calib_samples=200)
    result = snn.run(x_test, y_test)
    curves[method] = result.accuracy_at_step
    print(f"{method:7s} T={T}: SNN {100 * result.accuracy:.2f}%, {result.spikes_per_sample:.0f} "
          f"spikes and {result.sops_per_sample:.0f} SOPs per image, {result.energy['snn_uj']:.3f} uJ "
          f"(ANN {result.energy['ann_uj']:.3f} uJ)")
    print("   spikes per layer:", {k: round(v) for k, v in result.spikes_per_layer.items() if v})

# %% Plot: accuracy vs T.
steps = np.arange(1, T + 1)
plt.figure(figsize=(6, 4))
for method, acc in curves.items():
    plt.plot(steps, 100 * acc, marker=".", label=f"{method} (calibrated)")
plt.axhline(100 * ann_accuracy, color="gray", linestyle="--", label="ANN")
plt.xscale("log", base=2)
plt.xlabel("steps T")
plt.ylabel("accuracy (%)")
plt.ylim(50, 100)
plt.title("Fashion-MNIST CNN converted with brisk")
plt.legend()
plt.tight_layout()
plt.savefig(out)
print(f"wrote {out}; {time.perf_counter() - start:.1f} s in all")
