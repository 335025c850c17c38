#!/usr/bin/python3
"""tools/finetune_snn.py on the bundled QCFS ResNet, checked three ways.

    check_finetune_snn.py BRISK MODEL WORKDIR

1. Training works: 20 batches of spike-based training at T = 4 raise the SNN's T = 4 test
   accuracy (first 300 images) by at least 10 points over the untrained file's (41% on 500
   images; the script's surrogate gradient broken, e.g. zero, leaves it where it was).
2. The file written is the SNN that was trained: `brisk run OUT --method rate -T 4` gives the
   accuracy the script printed for T = 4 (within one image per hundred: the two sum the
   convolutions in different float orders), and the IF SNN written in plain PyTorch in
   check_qcfs_snn.py (its own IF loop, not the script's) predicts the same classes as brisk.
3. Weight averaging (--average-from): with a single snapshot (the last batch) the file holds
   exactly the weights a run without averaging writes; with two snapshots it holds their
   mean, which differs from the last weights.
4. Distillation (--teacher): with --distill-weight 0 the file is the plain run's (up to float
   rounding); with weight 1 (the teacher's soft targets only) the weights move away from both
   the plain run's and the input's, and differently at temperatures 1 and 4; a
   weight outside [0, 1] and a missing teacher are refused with one line and no file.
5. Bad use: an existing --out without --force and --out equal to the input are refused with
   a one-line message and a non-zero exit, and leave the files as they were.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "apps"))
from clitest import fail, fresh_dir, run_brisk  # noqa: E402

brisk, model, work = sys.argv[1], sys.argv[2], sys.argv[3]
fresh_dir(work)
tool = os.path.join(ROOT, "tools", "finetune_snn.py")
py = sys.executable
N = 300


def finetune(out, *extra, rc=0):
    p = subprocess.run([py, tool, model, "--out", out, "--eval-samples", str(N), "--eval-steps", "4",
                        "--progress", "0", *extra], capture_output=True, text=True)
    if p.returncode != rc:
        fail(f"finetune_snn.py {' '.join(extra)}: exit {p.returncode} (expected {rc})\n{p.stdout}{p.stderr}")
    return p


def accuracies(p):
    m = re.search(r"at T = 1\.\.4: ([0-9., ]+)", p.stdout)
    if not m:
        fail(f"no accuracy line in:\n{p.stdout}")
    return [float(a) for a in m.group(1).split(",")]


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


before = accuracies(finetune(os.path.join(work, "untrained.h5"), "--epochs", "0"))
out = os.path.join(work, "trained.h5")
after = accuracies(finetune(out, "--epochs", f"{20 / 938:.6f}"))  # 20 batches of 64
print(f"T = 4 accuracy on {N} images: {before[3]:.2f}% untrained, {after[3]:.2f}% after 20 batches")
if after[3] < before[3] + 10:
    fail(f"training did not raise the T = 4 accuracy by 10 points ({before[3]:.2f} -> {after[3]:.2f})")

j = os.path.join(work, "run.json")
run_brisk(brisk, "run", out, "--data", "fashion-mnist:test", "--samples", N, "--method", "rate",
          "-T", 4, "--threads", 2, "--json", j, "--force")
got = 100 * json.load(open(j))["snn_accuracy"]
print(f"brisk run on the written file: {got:.2f}% (the script: {after[3]:.2f}%)")
if abs(got - after[3]) > 1.0:
    fail(f"brisk's T = 4 accuracy {got:.2f}% differs from the script's {after[3]:.2f}%")
p = subprocess.run([py, os.path.join(HERE, "check_qcfs_snn.py"), brisk, out, "100", "4",
                    os.path.join(work, "torch_snn")], capture_output=True, text=True)
if p.returncode != 0:
    fail(f"check_qcfs_snn.py on the fine-tuned file: {p.stdout}{p.stderr}")

# Weight averaging.
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def arrays(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, np.array(obj))
                     if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" else None)
    return found


def max_diff(a, b):
    """Largest |a - b| over the datasets the two share (same name and shape)."""
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a if k in b and a[k].shape == b[k].shape)


def same_up_to_rounding(a, b, what):
    """Same seed, same batches: equal up to float rounding (MKL's results may depend on
    buffer alignment, so not bit for bit)."""
    for k in a:
        if not np.allclose(a[k], b[k], rtol=1e-4, atol=1e-6):
            fail(f"{what}: dataset {k} differs")


six = f"{6 / 938:.6f}"  # 6 batches of 64
plain, one, two = (os.path.join(work, n) for n in ("plain.h5", "avg1.h5", "avg2.h5"))
finetune(plain, "--epochs", six)
finetune(one, "--epochs", six, "--average-from", "0.5", "--average-every", "3")  # batch 6 only
p2 = finetune(two, "--epochs", six, "--average-from", "0", "--average-every", "3")  # batches 3, 6
if "mean of 2 weight snapshots" not in p2.stdout:
    fail(f"--average-from 0 --average-every 3 over 6 batches: expected 2 snapshots:\n{p2.stdout}")
a_plain, a_one, a_two = arrays(plain), arrays(one), arrays(two)
if a_plain.keys() != a_one.keys() or not a_plain:
    fail("the averaged file does not hold the same datasets")
# One snapshot is the run without averaging; the mean of two is far from the last weights.
same_up_to_rounding(a_plain, a_one, "one snapshot against the run without averaging")
gap = max_diff(a_plain, a_two)
if gap < 1e-4:
    fail(f"two snapshots: the written weights are the last ones, not their mean (max diff {gap:g})")
p = finetune(os.path.join(work, "bad.h5"), "--average-from", "1.5", rc=1)
if "--average-from" not in p.stderr or os.path.exists(os.path.join(work, "bad.h5")):
    fail(f"--average-from 1.5: expected a one-line refusal and no file, got {p.stderr!r}")

p = finetune(os.path.join(work, "bad.h5"), "--epochs", six, "--average-from", "0.5", rc=1)
if "no snapshot in 6 batches" not in p.stderr or os.path.exists(os.path.join(work, "bad.h5")):
    fail(f"--average-from with no snapshot: expected a one-line refusal and no file, got {p.stderr!r}")

# Distillation from the float ResNet.
teacher = os.path.join(ROOT, "models", "fmnist_resnet20.h5")
kd0, kd1 = os.path.join(work, "kd0.h5"), os.path.join(work, "kd1.h5")
p = finetune(kd0, "--epochs", six, "--teacher", teacher, "--distill-weight", "0")
if "distilling from" not in p.stdout:
    fail(f"--teacher: the run does not say it distils:\n{p.stdout}")
finetune(kd1, "--epochs", six, "--teacher", teacher, "--distill-weight", "1", "--distill-temp", "4")
a_kd0, a_kd1 = arrays(kd0), arrays(kd1)
same_up_to_rounding(a_plain, a_kd0, "--distill-weight 0 against the run without a teacher")
gap = max_diff(a_plain, a_kd1)
if gap < 1e-3:
    fail(f"--distill-weight 1: the weights are the plain run's (max diff {gap:g}): the teacher is not used")
# Weight 1 trains on the distillation term alone: a lost term would leave the input weights
# (zero loss, no update), and the temperature must reach the loss.
moved = max_diff(arrays(model), a_kd1)
if moved < 1e-3:
    fail(f"--distill-weight 1: the weights did not move from the input's (max diff {moved:g})")
kd1t = os.path.join(work, "kd1_t1.h5")
finetune(kd1t, "--epochs", six, "--teacher", teacher, "--distill-weight", "1", "--distill-temp", "1")
gap = max_diff(arrays(kd1t), a_kd1)
if gap < 1e-4:
    fail(f"--distill-temp 1 and 4 wrote the same weights (max diff {gap:g}): the temperature is not used")
for extra, word in ((("--teacher", teacher, "--distill-weight", "1.5"), "--distill-weight"),
                    (("--teacher", teacher, "--distill-temp", "0"), "--distill-temp"),
                    (("--teacher", os.path.join(work, "no_such.h5")), "--teacher")):
    p = finetune(os.path.join(work, "bad.h5"), "--epochs", six, *extra, rc=1)
    if word not in p.stderr or len(p.stderr.strip().splitlines()) != 1 or os.path.exists(os.path.join(work, "bad.h5")):
        fail(f"{' '.join(extra)}: expected a one-line refusal naming {word} and no file, got {p.stderr!r}")

# Bad use: nothing is replaced.
keep_out, keep_in = digest(out), digest(model)
p = finetune(out, "--epochs", "0", rc=1)
if "exists (use --force" not in p.stderr or len(p.stderr.strip().splitlines()) != 1:
    fail(f"existing --out: expected one line naming it, got {p.stderr!r}")
p = finetune(model, "--epochs", "0", "--force", rc=1)
if "is the input model" not in p.stderr:
    fail(f"--out = input: expected a refusal, got {p.stderr!r}")
if digest(out) != keep_out or digest(model) != keep_in:
    fail("a refused run changed a file")
print("ok")
