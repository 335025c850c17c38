#!/usr/bin/python3
"""The TNN teacher-student student search of tools/train_bitwise.py against references
written here.

    check_teacher_student.py TOOLS_DIR WORKDIR

1. best_ternary_thresholds (the exact search over threshold pairs) against a brute-force
   enumeration of every (hi, lo) pair on small random cases with repeated sums.
2. fit_student_hidden recovers a ternary neuron that generated its (deterministic) targets:
   expected agreement 1, and its outputs equal the generator's on every sample.
3. The thresholds survive the export: _bn_for_thresholds' batch-norm affine, through
   brisk_torch.export_bitwise_mlp, gives back the integer thresholds (read from the HDF5
   file with h5py), for the first layer (unit 1/255) and a hidden one.
Prints OK; "[brisk-skip]" when torch is absent.
"""
import os
import sys

import numpy as np

try:
    import torch  # noqa: F401
except ImportError:
    print("[brisk-skip] torch is not installed")
    sys.exit(0)
import h5py

sys.path.insert(0, sys.argv[1])
sys.argv = sys.argv[:1] + sys.argv[2:]
import train_bitwise as tb  # noqa: E402
import brisk_torch  # noqa: E402

workdir = sys.argv[1]
os.makedirs(workdir, exist_ok=True)
rng = np.random.default_rng(7)
fail = []


def brute_force(s, p):
    """Best expected agreement of `+1 iff s >= hi, -1 iff s <= lo` over all integer pairs."""
    best = -1.0
    for hi in range(int(s.min()) - 1, int(s.max()) + 3):
        for lo in range(int(s.min()) - 2, hi):
            out = (s >= hi).astype(int) - (s <= lo).astype(int)
            best = max(best, p[np.arange(len(s)), out + 1].sum())
    return best


# 1. the exact threshold search
for trial in range(300):
    n = int(rng.integers(1, 14))
    c = int(rng.integers(1, 4))
    s = rng.integers(-4, 5, size=(c, n)).astype(np.float64)
    p = rng.dirichlet([1.0, 1.0, 1.0], size=(c, n))
    if trial % 3 == 0:  # one-hot targets: ties between many threshold pairs
        p = np.eye(3)[rng.integers(0, 3, size=(c, n))]
    hi, lo, agr = tb.best_ternary_thresholds(s, p)
    for col in range(c):
        ref = brute_force(s[col], p[col])
        out = (s[col] >= hi[col]).astype(int) - (s[col] <= lo[col]).astype(int)
        got = p[col][np.arange(n), out + 1].sum()
        if not (lo[col] < hi[col] and abs(got - ref) < 1e-9 and abs(agr[col] - ref) < 1e-9):
            fail.append(f"threshold search, trial {trial} column {col}: hi {hi[col]} lo {lo[col]} "
                        f"agreement {got} (reported {agr[col]}), brute force {ref}")
print(f"threshold search: 300 random cases against brute force")

# 2. a neuron whose targets come from a ternary neuron with 5 kept weights of 20
n_in, n = 20, 400
w = rng.normal(size=(2, n_in))
x = rng.integers(-1, 2, size=(n, n_in))
keep = np.argsort(-np.abs(w), axis=1)[:, :5]
q = np.zeros_like(w)
for o in range(2):
    q[o, keep[o]] = np.sign(w[o, keep[o]])
z = x @ q.T
gen_hi, gen_lo = np.array([1, 2]), np.array([-2, -1])
target = (z >= gen_hi).astype(int) - (z <= gen_lo).astype(int)
probs = np.eye(3)[target + 1]                      # [N][out][3]
fit = tb.fit_student_hidden(x, probs, w, (0.1, 0.25, 0.5, 1.0), lambda m: None, "t", block=3)
z_fit = x @ fit["q"].T
out = (z_fit >= fit["hi"]).astype(int) - (z_fit <= fit["lo"]).astype(int)
if not (np.allclose(fit["agreement"], 1.0) and (out == target).all() and (fit["count"] == 5).all()):
    fail.append(f"fit_student_hidden: agreement {fit['agreement']}, counts {fit['count']}, "
                f"{(out != target).sum()} outputs differ from the generator's")
print("fit_student_hidden: recovers a generating ternary neuron")

# 3. thresholds through the exporter
n_hid = 64
hi = rng.integers(-3000, 3000, size=n_hid).astype(np.float64)
lo = hi - rng.integers(1, 400, size=n_hid)
lo[:8] = hi[:8] - 1                                # no zero band
hi2 = rng.integers(-20, 20, size=10).astype(np.float64)
lo2 = hi2 - rng.integers(1, 6, size=10)
layers = []
for name, shape, levels, h, l in (("fc1", (n_hid, 784), 255, hi, lo), ("fc2", (10, n_hid), 0, hi2, lo2)):
    qw = rng.integers(-1, 2, size=shape).astype(np.float64)
    alpha = rng.uniform(0.01, 2.0, size=shape[0])
    layers.append(tb._student_entry(name, qw, alpha, np.full(shape[0], 0.5), rng.uniform(-1, 1, shape),
                                    h, l, levels, tb.TERNARY_DELTA))
layers.append(dict(name="out", mode="ternary", weight=rng.integers(-1, 2, size=(3, 10)).astype(np.float64),
                   scale=np.ones(3), latent=np.zeros((3, 10)), input_levels=0, bias=np.zeros(3)))
path = os.path.join(workdir, "ts_thresholds.h5")
brisk_torch.export_bitwise_mlp(layers, path, input_shape=(1, 28, 28))
with h5py.File(path, "r") as f:
    for name, h, l in (("fc1", hi, lo), ("fc2", hi2, lo2)):
        got_hi = f["layers"][name]["threshold_hi"][()].astype(np.float64)
        got_lo = f["layers"][name]["threshold_lo"][()].astype(np.float64)
        if not (np.array_equal(got_hi, h) and np.array_equal(got_lo, l)):
            fail.append(f"export: layer {name}: {(got_hi != h).sum()} threshold_hi and "
                        f"{(got_lo != l).sum()} threshold_lo differ from the student's")
print("export: the student's thresholds come back from the HDF5 file")

if fail:
    for line in fail[:10]:
        print("FAIL", line)
    sys.exit(1)
print("OK")
