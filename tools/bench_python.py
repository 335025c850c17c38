#!/usr/bin/python3
"""The Python module against the CLI on one run, side by side: 10000 Fashion-MNIST test
images through `brisk run NET.h5 --data fashion-mnist --json` and through
brisk.load_network(NET.h5).run(x, y) in this process, alternating, N runs each; prints the
medians of the simulation time (the runs' own `seconds`) and of the whole call.

    PYTHONPATH=build/python /usr/bin/python3 tools/bench_python.py --brisk build/bin/brisk \
        --network NET.h5 [--threads 2] [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import brisk


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--brisk", required=True, help="the brisk executable")
    p.add_argument("--network", required=True, help="a converted network (brisk convert)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    x, y = brisk.load_data("fashion-mnist:test")
    net = brisk.load_network(a.network)
    sim = {"cli": [], "python": []}
    wall = {"cli": [], "python": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.runs):
            out = os.path.join(tmp, f"run{i}.json")
            t0 = time.perf_counter()
            subprocess.run([a.brisk, "run", a.network, "--data", "fashion-mnist", "--threads",
                            str(a.threads), "--json", out], check=True, capture_output=True)
            wall["cli"].append(time.perf_counter() - t0)
            cli = json.load(open(out))
            sim["cli"].append(cli["seconds"])
            t0 = time.perf_counter()
            r = net.run(x, y, threads=a.threads)
            wall["python"].append(time.perf_counter() - t0)
            sim["python"].append(r.seconds)
            assert r.accuracy == cli["snn_accuracy"] and r.spikes_per_sample == cli["spikes_per_sample"]
    med = {k: {m: statistics.median(v[m]) for m in v} for k, v in (("sim", sim), ("wall", wall))}
    print(f"network {a.network} ({net.method}, T = {net.timesteps}), {len(y)} images, "
          f"{a.threads} threads, {a.runs} alternating runs each")
    for k, label in (("sim", "simulation (RunResult.seconds / --json seconds)"),
                     ("wall", "whole call (net.run incl. the ANN pass / brisk run process)")):
        c, py = med[k]["cli"], med[k]["python"]
        print(f"{label}: CLI {c:.3f} s ({len(y) / c:.0f} img/s), module {py:.3f} s "
              f"({len(y) / py:.0f} img/s), module/CLI time {py / c:.3f}")
        print(f"  runs CLI {[round(v, 3) for v in (sim if k == 'sim' else wall)['cli']]}, "
              f"module {[round(v, 3) for v in (sim if k == 'sim' else wall)['python']]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
