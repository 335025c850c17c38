"""A small PyTorch ResNet written as users write one (F.relu, residual `+`, torch.cat,
BatchNorm, a 1x1 stride-2 projection shortcut, max pooling, adaptive average pooling),
exported with tools/brisk_torch.py, plus 500 structured images labelled by the model.

usage: make_torch_resnet.py OUT_DIR   (writes resnet.h5, x.npz, y.npz)"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from brisk_torch import export_model  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
class Block(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.b1 = nn.BatchNorm2d(cout)
        s.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(cout)
        s.short = None
        if stride != 1 or cin != cout:
            s.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x):
        out = F.relu(s.b1(s.c1(x)))
        out = s.b2(s.c2(out))
        return F.relu(out + (x if s.short is None else s.short(x)))
class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Conv2d(1, 8, 3, 1, 1); s.bn = nn.BatchNorm2d(8)
        s.pool = nn.MaxPool2d(2)
        s.l1 = Block(8, 8, 1); s.l2 = Block(8, 16, 2)
        s.bra = nn.Conv2d(16, 4, 1); s.brb = nn.Conv2d(16, 6, 3, padding=1)
        s.fc = nn.Linear(10, 10)
    def forward(s, x):
        x = s.pool(F.relu(s.bn(s.stem(x))))
        x = s.l2(s.l1(x))
        x = torch.cat([F.relu(s.bra(x)), F.relu(s.brb(x))], 1)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return s.fc(x)
net = Net()
for m in net.modules():
    if isinstance(m, nn.BatchNorm2d):
        m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 1.5)
        m.weight.data.uniform_(0.5, 1.5); m.bias.data.uniform_(-0.1, 0.3)
net.eval()
rng = np.random.default_rng(0)
# Images with structure (the head is set so that the labels spread over the classes): a random mix of 10 fixed patterns plus noise, so the classes vary.
patterns = rng.random((10, 1, 28, 28), dtype=np.float32)
mix = rng.dirichlet(np.full(10, 0.3), 500).astype(np.float32)
x = (np.einsum("nk,kchw->nchw", mix, patterns) * 0.8 + 0.2 * rng.random((500, 1, 28, 28), dtype=np.float32)).astype(np.float32)
feats = []
h = net.fc.register_forward_hook(lambda m, i, o: feats.append(i[0]))
with torch.no_grad():
    net(torch.from_numpy(x))
    w = torch.from_numpy(rng.normal(size=(10, 10)).astype(np.float32))
    raw = feats[0]
    net.fc.weight.copy_(w / (raw.std(0) + 1e-6))
    net.fc.bias.copy_(-(raw.mean(0) / (raw.std(0) + 1e-6)) @ w.T)
h.remove()
export_model(net, os.path.join(out, "resnet.h5"), (1, 28, 28))
with torch.no_grad(): y = net(torch.from_numpy(x)).argmax(1).numpy().astype(np.int64)
np.savez(os.path.join(out, "x.npz"), x=x)
np.savez(os.path.join(out, "y.npz"), y=y)
