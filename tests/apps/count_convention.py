#!/usr/bin/python3
"""`--count events|spikes` (issue 11, item 7) through the CLI, on the bundled CNN converted
with AugMapping (augmented spikes with coefficients, average pooling):
- brisk run: the JSON's "sop_convention" and the text's "SOPs counted as" line name the
  convention; the spike counts are the same in both; every layer's spikes-convention SOPs
  are >= its events-convention SOPs and the total is larger; energy = SOPs x pj_ac + analog
  MACs x pj_mac in each (the energy follows the convention); accuracy is unchanged;
- brisk sweep: results.csv (column sop_convention), results.json ("sop_convention"),
  results.md ("SOPs counted as") and manifest.ini (count = ...) name it, and brisk compare
  of an events folder and a spikes folder exits non-zero, reporting the convention and SOPs.

usage: count_convention.py BRISK WORKDIR   (run from the source tree)
"""
import csv
import json
import os
import subprocess
import sys

from clitest import fail, fresh_dir, run_brisk

BRISK, WORK = sys.argv[1], sys.argv[2]


def brisk(*args, rc=0):
    return run_brisk(BRISK, *args, rc=rc).stdout


fresh_dir(WORK)
common = ["--data", "fashion-mnist", "--samples", "40", "--calib-samples", "100", "--calib-data", "fashion-mnist:test",
          "--threads", "2"]
runs, texts = {}, {}
for conv in ("events", "spikes"):
    js = os.path.join(WORK, f"{conv}.json")
    texts[conv] = brisk("run", "models/fmnist_cnn.h5", "--method", "augmap", "-T", "3", *common, "--count", conv,
                        "--json", js)
    runs[conv] = json.load(open(js))
    if runs[conv].get("sop_convention") != conv:
        fail(f"{conv}: JSON sop_convention = {runs[conv].get('sop_convention')!r}")
    if f"SOPs      counted as {conv}" not in texts[conv]:
        fail(f"{conv}: the text does not state the convention:\n{texts[conv]}")
e, s = runs["events"], runs["spikes"]
if e["snn_accuracy"] != s["snn_accuracy"] or e["spikes_per_sample"] != s["spikes_per_sample"]:
    fail("the convention changed the accuracy or the spike counts")
if not s["sops_per_sample"] > e["sops_per_sample"] > 0:
    fail(f"SOPs: spikes {s['sops_per_sample']} not above events {e['sops_per_sample']}")
for le, ls in zip(e["layers"], s["layers"]):
    if ls["sops_per_sample"] < le["sops_per_sample"]:
        fail(f"{le['name']}: spikes-convention SOPs {ls['sops_per_sample']} below events {le['sops_per_sample']}")
for r in (e, s):
    want = (r["sops_per_sample"] * r["energy_model"]["pj_per_ac"] +
            r["analog_macs_per_sample"] * r["energy_model"]["pj_per_mac"]) * 1e-6
    if abs(r["snn_energy_uj_per_sample"] - want) > 1e-9 * max(1.0, want):
        fail(f"{r['sop_convention']}: energy {r['snn_energy_uj_per_sample']} uJ, SOPs and MACs give {want}")

dirs = {}
for conv in ("events", "spikes"):
    d = dirs[conv] = os.path.join(WORK, f"sweep_{conv}")
    out = brisk("sweep", "models/fmnist_cnn.h5", *common, "--methods", "augmap", "--stages", "none",
                "--aug-timesteps", "2", "--count", conv, "--out", d, "--quiet")
    if f"SOPs counted as {conv}" not in out:
        fail(f"sweep {conv}: stdout does not state the convention:\n{out}")
    rows = list(csv.DictReader(open(os.path.join(d, "results.csv"))))
    if not rows or any(r["sop_convention"] != conv for r in rows):
        fail(f"sweep {conv}: results.csv sop_convention {[r.get('sop_convention') for r in rows]}")
    if json.load(open(os.path.join(d, "results.json"))).get("sop_convention") != conv:
        fail(f"sweep {conv}: results.json")
    if f"SOPs counted as {conv}" not in open(os.path.join(d, "results.md")).read():
        fail(f"sweep {conv}: results.md")
    if f"count = {conv}" not in open(os.path.join(d, "manifest.ini")).read():
        fail(f"sweep {conv}: manifest.ini has no 'count = {conv}'")
p = subprocess.run([BRISK, "compare", dirs["events"], dirs["spikes"]], capture_output=True, text=True)
if p.returncode == 0 or "sop_convention" not in p.stdout + p.stderr or "sops_per_sample" not in p.stdout + p.stderr:
    fail(f"compare events vs spikes: exit {p.returncode}\n{p.stdout}{p.stderr}")
print("ok")
