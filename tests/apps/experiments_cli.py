#!/usr/bin/python3
"""--config INI files and --predictions files (issue 11), end to end.

usage: experiments_cli.py BRISK WORKDIR   (run from the source tree)

Config: a key before any section applies, a [run] section wins over it, the command line
wins over both, another command's section is skipped; an unknown key is exit 2 with one
line naming the key and the file. Each is observed through `brisk run --json`'s figures.
Predictions: the labels equal the IDX label file's (read here with gzip/numpy), every step's
accuracy computed from the file equals the run's accuracy_at_step, the CSV equals the .npy,
and eval's predicted class is the argmax of its logits.
"""
import gzip
import json
import os
import sys

import numpy as np
from clitest import fail, fresh_dir, run_brisk

BRISK, WORK = sys.argv[1], sys.argv[2]
MODEL = "models/fmnist_cnn.h5"
FAST = ["--calib-samples", "50", "--calib-data", "fashion-mnist:test", "--threads", "2"]


def run(*args, rc=0):
    return run_brisk(BRISK, *args, rc=rc)


def main():
    fresh_dir(WORK)
    ini = os.path.join(WORK, "exp.ini")
    with open(ini, "w") as f:
        f.write(f"# an experiment\nmodel = {MODEL}\ndata = fashion-mnist\nsamples = 40\ntimesteps = 2\n"
                "method = rate\ncalib-samples = 50\ncalib-data = fashion-mnist:test\n\n"
                "[run]\ntimesteps = 4\nnetwork = " + MODEL + "\n\n[sweep]\nmethods = radix\n")
    # 'model' is not an option of run: an error naming it and the file.
    p = run("run", "--config", ini, rc=2)
    err = p.stderr.strip().splitlines()
    if len(err) != 1 or "unknown key 'model'" not in err[0] or ini not in err[0]:
        fail(f"unknown key: {p.stderr!r}")
    with open(ini, "w") as f:
        f.write("data = fashion-mnist\nsamples = 40\ntimesteps = 2\nmethod = rate\ncalib-samples = 50\n"
                "calib-data = fashion-mnist:test\n\n[run]\ntimesteps = 4\nnetwork = " + MODEL +
                "\n\n[sweep]\nmethods = radix\n")
    j1 = os.path.join(WORK, "a.json")
    run("run", "--config", ini, "--json", j1)
    a = json.load(open(j1))
    if a["samples"] != 40 or a["timesteps"] != 4:
        fail(f"config: samples {a['samples']} (want 40), T {a['timesteps']} (want 4: [run] wins)")
    j2 = os.path.join(WORK, "b.json")
    run("run", "--config", ini, "--json", j2, "-T", "3", "--samples", "30")
    b = json.load(open(j2))
    if b["samples"] != 30 or b["timesteps"] != 3:
        fail(f"command line over config: samples {b['samples']}, T {b['timesteps']}")
    with open(os.path.join(WORK, "bad.ini"), "w") as f:
        f.write("[run]\nno-such-option = 1\n")
    p = run("run", MODEL, "--config", os.path.join(WORK, "bad.ini"), rc=2)
    if "unknown key 'no-such-option'" not in p.stderr or "bad.ini" not in p.stderr:
        fail(f"unknown key in a section: {p.stderr!r}")

    # Predictions.
    npy, csvp, js = (os.path.join(WORK, n) for n in ("p.npy", "p.csv", "p.json"))
    args = ["run", MODEL, "--method", "rate", "-T", "4", "--data", "fashion-mnist", "--samples", "200",
            "--offset", "17", *FAST]
    run(*args, "--predictions", npy, "--json", js)
    run(*args, "--predictions", csvp)
    r = json.load(open(js))
    p = np.load(npy)
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read()[8:], dtype=np.uint8)[17:217]
    if not (p["label"] == labels).all() or not (p["sample"] == np.arange(17, 217)).all():
        fail("labels or sample indices in the predictions file differ from the IDX file")
    acc = [(p["predictions"][:, t] == p["label"]).mean() for t in range(4)]
    if not np.allclose(acc, r["accuracy_at_step"], atol=0, rtol=0):
        fail(f"accuracy per step from the file {acc} vs the run's {r['accuracy_at_step']}")
    if not (p["logits"].argmax(1) == p["predictions"][:, -1]).all():
        fail("final logits' argmax differs from the last step's prediction")
    c = np.genfromtxt(csvp, delimiter=",", names=True)
    if not (c["pred_t4"] == p["predictions"][:, 3]).all() or not np.allclose(c["logit_3"], p["logits"][:, 3]):
        fail("the CSV differs from the .npy")
    e = os.path.join(WORK, "e.npy")
    run("eval", MODEL, "--data", "fashion-mnist", "--samples", "100", "--predictions", e)
    q = np.load(e)
    if not (q["logits"].argmax(1) == q["prediction"]).all() or len(q) != 100:
        fail("eval: prediction is not the argmax of the logits")
    p = run("run", MODEL, "--data", "fashion-mnist", "--predictions", os.path.join(WORK, "x.txt"), rc=2)
    if ".npy or .csv" not in p.stderr:
        fail(f"bad predictions extension: {p.stderr!r}")
    print("ok")


main()
