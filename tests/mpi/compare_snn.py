"""Two brisk SNN HDF5 files hold the same network: every dataset and attribute equal, bit for
bit, apart from the calibration report's wall time ("seconds"). Exit 1 naming the first
difference.   compare_snn.py A.h5 B.h5"""
import json
import sys

import h5py
import numpy as np


def contents(path):
    out = {}
    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            out["@" + k] = v
        def visit(name, obj):
            for k, v in obj.attrs.items():
                out[name + "@" + k] = v
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
    report = out.get("@calibration_report")
    if report is not None:
        r = json.loads(report if isinstance(report, str) else report.decode())
        r.pop("seconds", None)
        out["@calibration_report"] = json.dumps(r, sort_keys=True)
    return out


a, b = contents(sys.argv[1]), contents(sys.argv[2])
if set(a) != set(b):
    sys.exit(f"objects differ: {sorted(set(a) ^ set(b))}")
if len(a) < 10:
    sys.exit(f"{sys.argv[1]}: only {len(a)} objects, not a converted network")
for k in sorted(a):
    x, y = np.asarray(a[k]), np.asarray(b[k])
    same = x.tolist() == y.tolist() if x.dtype == object else x.tobytes() == y.tobytes()
    if x.dtype != y.dtype or x.shape != y.shape or not same:
        sys.exit(f"{k} differs")
print(f"same network ({len(a)} objects)")
