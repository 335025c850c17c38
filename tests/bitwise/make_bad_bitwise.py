#!/usr/bin/python3
"""Writes small bitwise models (docs/native-schema.md, "Bitwise layers") for the malformed-file
CTests: one valid reference and one file per defect.

    make_bad_bitwise.py OUTDIR
"""
import os
import sys

import h5py
import numpy as np


def write(path, kind="binary", edit=None):
    rng = np.random.default_rng(3)
    sizes = [(16, 12, True), (12, 8, True), (8, 4, False)]  # (in, out, hidden)
    names = ["input", "fc1", "fc2", "out"]
    with h5py.File(path, "w") as f:
        f.attrs["brisk_format"] = "brisk-ann"
        f.attrs["schema_version"] = np.int32(1)
        f.attrs["input_shape"] = np.int32([16])
        f.attrs["layer_names"] = np.array(names, dtype=h5py.string_dtype())
        f.attrs["output"] = "out"
        layers = f.create_group("layers")
        g = layers.create_group("input")
        g.attrs["type"] = "Input"
        prev = "input"
        for name, (n_in, n_out, hidden) in zip(names[1:], sizes):
            g = layers.create_group(name)
            g.attrs["type"] = "Dense"
            g.attrs["inputs"] = np.array([prev], dtype=h5py.string_dtype())
            g.attrs["bitwise"] = kind
            alphabet = [-1.0, 1.0] if kind == "binary" else [-1.0, 0.0, 1.0]
            data = {"weight": rng.choice(alphabet, size=(n_in, n_out)),
                    "weight_scale": np.full(n_out, 0.25),
                    "latent_weight": rng.uniform(-1, 1, size=(n_in, n_out))}
            if name == "fc1":
                g.attrs["input_levels"] = np.int32(255)
            if hidden:
                data["threshold_hi"] = rng.integers(-3, 4, size=n_out).astype(np.float64)
                if kind == "ternary":
                    data["threshold_lo"] = data["threshold_hi"] - rng.integers(1, 4, size=n_out)
            else:
                data["bias"] = np.zeros(n_out)
            if edit:
                edit(name, g, data)
            for key, value in data.items():
                if value is not None:
                    g.create_dataset(key, data=np.asarray(value, dtype=np.float32))
            prev = name


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name + ".h5")  # noqa: E731

    def only(layer, fn):
        return lambda name, g, data: fn(g, data) if name == layer else None

    def set_item(key, index, value):
        def fn(g, data):
            data[key] = np.array(data[key], dtype=np.float64)
            data[key][index] = value
        return fn

    def drop(key):
        def fn(g, data):
            data[key] = None
        return fn

    write(p("bitwise_ok"))
    write(p("ternary_ok"), "ternary")
    write(p("bitwise_alphabet"), edit=only("fc2", set_item("weight", (3, 4), 0.5)))
    write(p("ternary_alphabet"), "ternary", edit=only("fc1", set_item("weight", (0, 2), 2.0)))
    write(p("binary_zero_weight"), edit=only("out", set_item("weight", (1, 1), 0.0)))
    write(p("bitwise_no_threshold"), edit=only("fc1", drop("threshold_hi")))
    write(p("ternary_no_threshold_lo"), "ternary", edit=only("fc2", drop("threshold_lo")))
    write(p("bitwise_nan_threshold"), edit=only("fc2", set_item("threshold_hi", 5, np.nan)))
    write(p("ternary_nan_threshold"), "ternary", edit=only("fc1", set_item("threshold_lo", 0, np.nan)))
    write(p("bitwise_scale_zero"), edit=only("fc2", set_item("weight_scale", 2, 0.0)))
    write(p("bitwise_readout_scale_zero"), edit=only("out", set_item("weight_scale", 0, 0.0)))
    write(p("bitwise_no_scale"), edit=only("fc1", drop("weight_scale")))
    write(p("ternary_lo_above_hi"), "ternary",
          edit=only("fc2", lambda g, d: d.__setitem__("threshold_lo", d["threshold_hi"] + 1)))
    write(p("bitwise_fraction_threshold"), edit=only("fc1", set_item("threshold_hi", 1, 0.5)))
    write(p("bitwise_kind"), edit=only("fc2", lambda g, d: g.attrs.__setitem__("bitwise", "quaternary")))
    write(p("bitwise_no_levels"), edit=only("fc1", lambda g, d: g.attrs.__delitem__("input_levels")))
    write(p("bitwise_latent"), edit=only("fc2", set_item("latent_weight", (0, 0), 1.5)))
    x = np.random.default_rng(1).uniform(0, 1, size=(40, 16)).astype(np.float32)
    y = (np.arange(40) % 4).astype(np.int64)
    np.savez(os.path.join(out, "x.npz"), x)
    np.savez(os.path.join(out, "y.npz"), y)
    return 0


if __name__ == "__main__":
    sys.exit(main())
