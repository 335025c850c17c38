#!/usr/bin/env python3
"""brisk run on one process vs under mpirun (docs/mpi.md "Measured"): wall time, simulation
time ("seconds" of --json), calibration time and the rest (start-up, model and data load) of
each ranks x threads layout, medians of --repeats runs interleaved, and a check that every
run's JSON figures equal the first layout's apart from timings.
  tools/mpi_scaling.py [--brisk build/bin/brisk] [--repeats 3] [-- brisk run arguments...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

DEFAULT = ["models/fmnist_cnn.h5", "--data", "fashion-mnist", "--method", "rate", "-T", "16",
           "--per-channel", "--calibrate", "all"]
MPIRUN = ["mpirun", "-q", "--bind-to", "none", "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader",
          "--mca", "btl_vader_single_copy_mechanism", "none"]
TIMING = {"seconds", "images_per_second"}


def figures(j):
    if isinstance(j, dict):
        return {k: figures(v) for k, v in j.items() if k not in TIMING}
    if isinstance(j, list):
        return [figures(v) for v in j]
    return j


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brisk", default="build/bin/brisk")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("args", nargs="*", default=DEFAULT)
    a = ap.parse_args()
    layouts = [("1 process x 2 threads", 0, 2), ("1 rank x 2 threads", 1, 2),
               ("2 ranks x 1 thread", 2, 1), ("2 ranks x 2 threads", 2, 2)]
    times = {name: [] for name, _, _ in layouts}
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(a.repeats):
            for name, ranks, threads in layouts:
                out = os.path.join(tmp, "run.json")
                cmd = ([] if ranks == 0 else MPIRUN + ["-n", str(ranks)]) + [a.brisk, "run"] + a.args + [
                    "--threads", str(threads), "--json", out, "--force"]
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                wall = time.perf_counter() - t0
                j = json.load(open(out))
                cal = j.get("calibration", {}).get("seconds", 0.0)
                times[name].append((wall, j["seconds"], cal))
                f = figures(j)
                if reference is None:
                    reference = f
                elif f != reference:
                    sys.exit(f"{name}: JSON figures differ from the first run's")
                print(f"run {rep + 1} {name:<22} wall {wall:6.2f} s  simulation {j['seconds']:6.2f} s  "
                      f"calibration {cal:5.2f} s", flush=True)
    print(f"\nmedians of {a.repeats} runs (snn accuracy {reference['snn_accuracy']:.4f} in every run):")
    print("| layout | wall s | simulation s | calibration s | rest s (start-up, load, balancing, ANN pass) |")
    print("|---|---:|---:|---:|---:|")
    for name, _, _ in layouts:
        w, s, c = (statistics.median(x[i] for x in times[name]) for i in range(3))
        print(f"| {name} | {w:.2f} | {s:.2f} | {c:.2f} | {w - s - c:.2f} |")


if __name__ == "__main__":
    main()
