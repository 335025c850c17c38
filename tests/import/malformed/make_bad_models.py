#!/usr/bin/python3
"""Writes hostile model and network files for the malformed-model suite (issue 13):

    make_bad_models.py OUTDIR SOURCE_DIR BRISK

Keras .h5 (a small Sequential or functional model with the config tampered), .keras
archives (a corrupted member, a member claiming 4 GB), native ANN files (copies of the
bundled models/fmnist_cnn_q8.h5 with one attribute changed) and converted SNN files
(`BRISK convert` of that model, one attribute or dataset changed), plus a two-sample
dataset to run them on. Each file is, apart from the one defect, a valid input.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile

import h5py
import numpy as np

out, src, brisk = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(13)


def path(name):
    return os.path.join(out, name)


# ---- Keras HDF5 ---------------------------------------------------------------------------
def keras_h5(name, config, weights):
    """weights: {layer: [(wname, array), ...]} in the Keras 2.2+ layout."""
    with h5py.File(path(name), "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [n.encode() for n in weights]
        for layer, ws in weights.items():
            lg = g.create_group(layer)
            lg.attrs["weight_names"] = [f"{layer}/{w}:0".encode() for w, _ in ws]
            for w, a in ws:
                lg.create_dataset(f"{layer}/{w}:0", data=a.astype(np.float32))


def layer(cls, name, **cfg):
    return {"class_name": cls, "config": dict(name=name, **cfg)}


def dense_weights(n_in, n_out):
    return [("kernel", rng.normal(size=(n_in, n_out))), ("bias", rng.normal(size=n_out))]


def conv_weights(cin, filters):
    return [("kernel", rng.normal(size=(3, 3, cin, filters))), ("bias", rng.normal(size=filters))]


def sequential(*layers):
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": list(layers)}}


img_in = layer("InputLayer", "input_1", batch_input_shape=[None, 8, 8, 1])
vec_in = layer("InputLayer", "input_1", batch_input_shape=[None, 4])

# Valid reference (exit 0): Conv2D 'same' + Flatten + Dense.
keras_h5("keras_ok.h5", sequential(img_in, layer("Conv2D", "conv", filters=2, kernel_size=[3, 3], strides=[1, 1],
                                                 padding="same", activation="relu"),
                                   layer("Flatten", "flat"), layer("Dense", "dense", units=3)),
         {"conv": conv_weights(1, 2), "dense": dense_weights(128, 3)})

# A config nested 200000 levels deep inside a layer config (recursion on copy).
deep = sequential(vec_in, layer("Dense", "dense", units=3))
text = json.dumps(deep)
text = text.replace('"units": 3', '"units": 3, "x": ' + "[" * 200000 + "]" * 200000, 1)
with h5py.File(path("keras_deep.h5"), "w") as f:
    f.attrs["model_config"] = text
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = [b"dense"]

# filters 16.5 with weights for 16 filters (was truncated to 16).
keras_h5("keras_fractional.h5", sequential(img_in, layer("Conv2D", "conv", filters=16.5, kernel_size=[3, 3])),
         {"conv": conv_weights(1, 16)})

# An unknown data_format on Flatten (was silently channels_last).
keras_h5("keras_enum.h5", sequential(img_in, layer("Flatten", "flat", data_format="channels_middle"),
                                     layer("Dense", "dense", units=3)),
         {"dense": dense_weights(64, 3)})

# units given as a string.
keras_h5("keras_type.h5", sequential(vec_in, layer("Dense", "dense", units="3")), {"dense": dense_weights(4, 3)})

# Strides of 0 with 'same' padding (was a division by zero).
keras_h5("keras_stride0.h5", sequential(img_in, layer("Conv2D", "conv", filters=2, kernel_size=[3, 3], strides=[0, 0],
                                                      padding="same")),
         {"conv": conv_weights(1, 2)})

# An input dimension of 2^32 + 1 (was read as 1).
keras_h5("keras_wrap.h5", sequential(layer("InputLayer", "input_1", batch_input_shape=[None, 2**32 + 1]),
                                     layer("Dense", "dense", units=3)), {"dense": dense_weights(1, 3)})


def functional(layers, output):
    return {"class_name": "Functional", "config": {"name": "f", "layers": layers,
                                                    "input_layers": [["input_1", 0, 0]],
                                                    "output_layers": [[output, 0, 0]]}}


def node(*names):
    return [[[n, 0, 0, {}] for n in names]]


f_in = dict(vec_in, name="input_1", inbound_nodes=[])
d1 = dict(layer("Dense", "dense_1", units=4), name="dense_1", inbound_nodes=node("input_1"))
d2 = dict(layer("Dense", "dense_2", units=3), name="dense_2", inbound_nodes=node("dense_1"))
# output_layers naming a hidden layer.
keras_h5("keras_hidden_output.h5", functional([f_in, d1, d2], "dense_1"),
         {"dense_1": dense_weights(4, 4), "dense_2": dense_weights(4, 3)})
# A Keras 3 node whose __keras_tensor__ has no keras_history (an unchecked lookup).
d1k3 = dict(d1, inbound_nodes=[{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [None, 4]}}],
                                "kwargs": {}}])
keras_h5("keras3_history.h5", functional([f_in, d1k3], "dense_1"), {"dense_1": dense_weights(4, 4)})


# ---- .keras archives -----------------------------------------------------------------------
def keras_archive(name, kernel):
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "sequential", "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer",
                   "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "input_layer"}},
                  {"module": "keras.layers", "class_name": "Dense",
                   "config": {"name": "dense", "units": 3, "activation": "linear", "use_bias": True}}]}}
    wpath = path(name + ".weights.h5")
    with h5py.File(wpath, "w") as f:
        v = f.create_group("layers/dense/vars")
        v.create_dataset("0", data=kernel)
        v.create_dataset("1", data=np.zeros(3, np.float32))
        offset = v["0"].id.get_offset()
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        z.writestr("config.json", json.dumps(config))
        z.write(wpath, "model.weights.h5")
    os.remove(wpath)
    return offset


kernel = rng.normal(size=(4, 3)).astype(np.float32)
keras_archive("archive_ok.keras", kernel)
# One weight byte changed after the CRC was recorded.
offset = keras_archive("archive_crc.keras", kernel)
with zipfile.ZipFile(path("archive_crc.keras")) as z:
    info = z.getinfo("model.weights.h5")
data = bytearray(open(path("archive_crc.keras"), "rb").read())
name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
data[info.header_offset + 30 + name_len + extra_len + offset + 2] ^= 0x40
open(path("archive_crc.keras"), "wb").write(data)
# model.weights.h5 claiming 4 GB in the central directory and its local header.
data = bytearray(open(path("archive_ok.keras"), "rb").read())
at = 0
while True:
    at = data.find(b"PK\x01\x02", at)
    if at < 0:
        break
    n = struct.unpack("<H", data[at + 28:at + 30])[0]
    if data[at + 46:at + 46 + n] == b"model.weights.h5":
        struct.pack_into("<II", data, at + 20, 0xFFFFFF00, 0xFFFFFF00)  # compressed, uncompressed
    at += 4
open(path("archive_4gb.keras"), "wb").write(data)

# ---- native ANN ----------------------------------------------------------------------------
model = os.path.join(src, "models", "fmnist_cnn_q8.h5")


def native(name, edit):
    shutil.copyfile(model, path(name))
    with h5py.File(path(name), "r+") as f:
        edit(f)


native("native_hidden_output.h5", lambda f: f.attrs.modify("output", "fc1"))
native("native_act_max.h5", lambda f: f["layers/act1"].attrs.modify("act_max", np.float32("nan")))

# ---- converted SNN -------------------------------------------------------------------------
snn = path("snn_ok.h5")
if os.path.exists(snn):
    os.remove(snn)
subprocess.run([brisk, "convert", model, "-o", snn, "--method", "radix"], check=True, stdout=subprocess.DEVNULL)


def converted(name, edit):
    shutil.copyfile(snn, path(name))
    with h5py.File(path(name), "r+") as f:
        edit(f)


converted("snn_input_scale.h5", lambda f: f["snn"].attrs.modify("input_scale", np.float32("inf")))
converted("snn_leak.h5", lambda f: f["snn/layers/L0001"].attrs.modify("leak", np.float32(1e-40)))
converted("snn_method.h5", lambda f: f["snn"].attrs.modify("method", "spiky"))
converted("snn_flatten.h5", lambda f: f["snn/layers/L0005"].attrs.modify("flatten_order", "WHC"))
converted("snn_hidden_output.h5", lambda f: (f["snn"].attrs.modify("output", np.int64(6)),
                                             f["ann"].attrs.modify("output", np.int64(6))))
converted("snn_report.h5", lambda f: f.attrs.modify("calibration_report", "{\"layers\": [1, 2"))


def bad_v0(f):
    v0 = f["snn/layers/L0001/threshold"][...]
    f["snn/layers/L0001"].create_dataset("v0", data=np.full_like(v0, np.nan))


converted("snn_v0.h5", bad_v0)

# Two samples to run the networks on.
np.savez(path("x.npz"), x=rng.random((2, 1, 28, 28), dtype=np.float32))
np.savez(path("y.npz"), y=np.array([0, 1], np.int64))
print(f"wrote the malformed models into {out}")
