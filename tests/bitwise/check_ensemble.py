#!/usr/bin/python3
"""Stochastic ensembles of a bitwise model (issue 10): brisk's combined predictions are the
same with --threads 1 and 2, and equal an independent numpy implementation of the documented
sampling rule (conversion/bitwise.hpp: SplitMix64 seeded from (seed ^ K * (layer + 1),
member), one uniform per weight in [in][out] order) and of the integer network.

    check_ensemble.py BRISK MODEL METHOD DATADIR WORKDIR      (DATADIR holds x.npz, y.npz)
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed, index):
        self.state = ((seed * 0x9E3779B97F4A7C15) & M64) ^ ((index + 0xD1B54A32D192ED03) & M64)
        self.next()

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def uniforms(self, n):
        return np.array([np.float32(self.next() >> 40) * np.float32(1.0 / 16777216.0)
                         for _ in range(n)], dtype=np.float32)


def layers_of(path):
    out = []
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["layer_names"]]
        for i, n in enumerate(names):
            g = f["layers"][n]
            if "bitwise" not in g.attrs:
                continue
            kind = g.attrs["bitwise"]
            kind = kind.decode() if isinstance(kind, bytes) else str(kind)
            rec = dict(index=i, kind=kind, latent=g["latent_weight"][()],
                       levels=int(g.attrs.get("input_levels", 0)), scale=g["weight_scale"][()])
            if "threshold_hi" in g:
                rec["hi"] = g["threshold_hi"][()].astype(np.int64)
                rec["lo"] = g["threshold_lo"][()].astype(np.int64) if "threshold_lo" in g else rec["hi"] - 1
            else:
                rec["bias"] = g["bias"][()] if "bias" in g else np.zeros_like(rec["scale"])
            out.append(rec)
    return out


def member_logits(layers, x, seed, member):
    a = None
    for r in layers:
        rng = SplitMix64(seed ^ ((0x51ED270B27C8A0F1 * (r["index"] + 1)) & M64), member)
        lat = r["latent"].astype(np.float32)
        u = rng.uniforms(lat.size).reshape(lat.shape)
        if r["kind"] == "ternary":
            w = np.where(u < np.abs(lat), np.sign(lat), 0.0)
        else:
            w = np.where(u < (np.float32(1.0) + lat) * np.float32(0.5), 1.0, -1.0)
        w = w.astype(np.int64)
        if r["levels"]:
            a = np.rint(x.astype(np.float32) * np.float32(r["levels"])).astype(np.int64)
        z = a @ w
        if "hi" in r:
            a = (z >= r["hi"]).astype(np.int64) - (z <= r["lo"]).astype(np.int64)
        else:
            return z * r["scale"].astype(np.float64) + r["bias"].astype(np.float64)


def main():
    brisk, model, method, data, work = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    x = np.load(os.path.join(data, "x.npz"))["arr_0"]
    y = np.load(os.path.join(data, "y.npz"))["arr_0"]
    x = x.reshape(len(x), -1)
    layers = layers_of(model)
    ok = True
    for combine in ("logits", "votes"):
        for n, seed in ((1, 1), (4, 1), (5, 9)):
            results = []
            for threads in (1, 2):
                stem = os.path.join(work, f"{combine}_{n}_{seed}_{threads}")
                subprocess.run([brisk, "run", model, "--method", method, "--ensemble", str(n),
                                "--combine", combine, "--seed", str(seed), "--threads", str(threads),
                                "--data", f"{data}/x.npz,{data}/y.npz", "--predictions",
                                stem + ".npy", "--json", stem + ".json", "--force"],
                               check=True, stdout=subprocess.DEVNULL)
                with open(stem + ".json") as f:
                    j = json.load(f)
                results.append((np.load(stem + ".npy")["predictions"][:, -1], j))
            score = np.zeros((len(x), len(layers[-1]["scale"])))
            for m in range(n):
                logits = member_logits(layers, x, seed, m)
                if combine == "logits":
                    score += logits
                else:
                    score[np.arange(len(x)), logits.argmax(1)] += 1
            ref = score.argmax(1)
            same_threads = np.array_equal(results[0][0], results[1][0]) and \
                results[0][1]["sops_per_sample"] == results[1][1]["sops_per_sample"] and \
                results[0][1]["spikes_per_sample"] == results[1][1]["spikes_per_sample"]
            same_ref = np.array_equal(results[0][0], ref)
            acc = float((ref == y).mean())
            print(f"{combine} N={n} seed={seed}: threads 1 vs 2 {'equal' if same_threads else 'DIFFER'}, "
                  f"numpy reference {'equal' if same_ref else 'DIFFERS'} (accuracy {100 * acc:.1f}%, "
                  f"brisk {100 * results[0][1]['snn_accuracy']:.1f}%)")
            ok = ok and same_threads and same_ref and abs(results[0][1]["snn_accuracy"] - acc) < 1e-12
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
