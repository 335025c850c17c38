"""tools/brisk_plot.py on a small hand-written sweep JSON, without pytest.

usage: test_brisk_plot.py PATH/TO/brisk_plot.py WORK_DIR
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SCRIPT, WORK = sys.argv[1], sys.argv[2]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

spec = importlib.util.spec_from_file_location("brisk_plot", SCRIPT)
brisk_plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(brisk_plot)


def run(rate):
    rate.update({"ann_accuracy": 0.9133, "latency": rate["timesteps"], "spikes_per_sample": 1.0})
    return rate


runs = [
    run({"method": "rate", "calibration": "none", "timesteps": 4, "snn_accuracy": 0.8797, "sops_per_sample": 7.1e5}),
    run({"method": "rate", "calibration": "none", "timesteps": 8, "snn_accuracy": 0.8912, "sops_per_sample": 1.4e6}),
    run({"method": "rate", "calibration": "all", "timesteps": 4, "snn_accuracy": 0.8887, "sops_per_sample": 7.3e5}),
    run({"method": "rate", "calibration": "all", "timesteps": 8, "snn_accuracy": 0.9025, "sops_per_sample": 1.5e6}),
    {"method": "radix", "calibration": "none", "timesteps": 8, "latency": 40, "snn_accuracy": 0.9120,
     "ann_accuracy": 0.9133, "sops_per_sample": 3.0e6},
]
doc = {"model": "models/fmnist_cnn.h5", "data": "fashion-mnist", "samples": 10000, "runs": runs}

# Series: one per method x stage, radix alone (at its latency), in first-appearance order.
series = brisk_plot.series_of(runs)
assert list(series) == ["rate, calibration: none", "rate, calibration: all", "radix"], list(series)
assert series["radix"] == (True, [(40.0, 3.0e6, 91.2)]), series["radix"]
assert series["rate, calibration: all"][1][1] == (8.0, 1.5e6, 90.25)
assert brisk_plot.si_label(2e4) == "20k" and brisk_plot.si_label(1.5e6) == "1.5M" and brisk_plot.si_label(8) == "8"

src = os.path.join(WORK, "sweep.json")
with open(src, "w", encoding="utf-8") as f:
    json.dump(doc, f)
# The output prefix defaults to the input without .json.
assert brisk_plot.main(["brisk_plot.py", src]) == 0
for ext in ("png", "svg"):
    assert os.path.getsize(os.path.join(WORK, "sweep." + ext)) > 1000, ext
with open(os.path.join(WORK, "sweep.png"), "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n"
svg = ET.parse(os.path.join(WORK, "sweep.svg")).getroot()
assert svg.tag.endswith("svg"), svg.tag
text = ET.tostring(svg, encoding="unicode")
for label in ("(a) accuracy vs spike-train length", "(b) accuracy vs synaptic operations",
              "rate, calibration: all", "ANN accuracy (91.33%)", "radix: latency in steps"):
    assert label in text, label
# The SVG is reproducible (no date, fixed hash salt).
first = open(os.path.join(WORK, "sweep.svg"), "rb").read()
assert brisk_plot.main(["brisk_plot.py", src, os.path.join(WORK, "again")]) == 0
assert open(os.path.join(WORK, "again.svg"), "rb").read() == first
# No temporary files left behind.
assert sorted(os.listdir(WORK)) == ["again.png", "again.svg", "sweep.json", "sweep.png", "sweep.svg"], os.listdir(WORK)

# Bad input: an error message and exit status 1, no traceback, no plots.
bad = os.path.join(WORK, "bad.json")
with open(bad, "w", encoding="utf-8") as f:
    f.write('{"runs": 3}')
p = subprocess.run([sys.executable, SCRIPT, bad], capture_output=True, text=True)
assert p.returncode == 1 and p.stderr.startswith("brisk_plot: ") and "Traceback" not in p.stderr, p
assert not os.path.exists(os.path.join(WORK, "bad.png"))
p = subprocess.run([sys.executable, SCRIPT, os.path.join(WORK, "absent.json")], capture_output=True, text=True)
assert p.returncode == 1 and "absent.json" in p.stderr, p
p = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True)
assert p.returncode == 2 and p.stderr.startswith("usage: "), p
print("brisk_plot.py: ok")
