#!/usr/bin/python3
"""Writes the malformed-input suite's files into OUTDIR (tests/malformed/CMakeLists.txt).

    make_malformed.py OUTDIR SOURCE_DIR

One file (or a small set) per class of hostile or careless input from issue 13. Every
file is built by hand from the format's specification, so each breaks exactly one rule.
Needs numpy and h5py (the native-schema models), like tests/data/make_fixtures.py.
"""
import gzip
import os
import shutil
import struct
import sys
import zlib

import h5py
import numpy as np


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def npy_header(descr, shape, version=1):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    pre = 10 if version == 1 else 12
    pad = (64 - (pre + len(d) + 1) % 64) % 64
    d = (d + " " * pad + "\n").encode()
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(d)) + d


def npy(arr):
    return npy_header(arr.dtype.str, arr.shape) + arr.tobytes()


def zip_member(name, data, method=0, crc=None, size=None, comp_size=None, payload=None):
    """A one-member zip archive; every size and the CRC can lie."""
    name = name.encode()
    if payload is None:
        payload = data if method == 0 else zlib.compress(data)[2:-4]  # raw deflate
    crc = zlib.crc32(data) if crc is None else crc
    size = len(data) if size is None else size
    comp_size = len(payload) if comp_size is None else comp_size
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, comp_size, size,
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                          comp_size, size, len(name), 0, 0, 0, 0, 0, 0) + name
    body = local + payload
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(body), 0)
    return body + central + end


def idx(code, dims, payload=b""):
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def strings(values):
    return np.array([str(v) for v in values], dtype=h5py.string_dtype())


def native_model(path, input_shape, layers):
    """A brisk ANN HDF5 file (docs/native-schema.md); layers: (name, type, inputs, attrs, weights)."""
    with h5py.File(path, "w") as f:
        f.attrs["brisk_format"] = "brisk-ann"
        f.attrs["schema_version"] = np.int32(1)
        f.attrs["input_shape"] = np.array(input_shape, dtype=np.int64)
        f.attrs["layer_names"] = strings(["input"] + [l[0] for l in layers])
        f.attrs["output"] = layers[-1][0]
        g = f.create_group("layers/input")
        g.attrs["type"] = "Input"
        for name, kind, inputs, attrs, weights in layers:
            g = f.create_group("layers/" + name)
            g.attrs["type"] = kind
            g.attrs["inputs"] = strings(inputs)
            for k, v in attrs.items():
                g.attrs[k] = np.array(v, dtype=np.int64)
            for k, v in weights.items():
                g.create_dataset(k, data=np.asarray(v, dtype=np.float32))


def main():
    out, src = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    # --- data readers -------------------------------------------------------------------
    # NPY: a version-2 preamble cut after 10 bytes (the old parser read its 4-byte header
    # length past the end of the buffer).
    write(p("overread.npy"), b"\x93NUMPY\x02\x00\x10\x00")
    # NPY: a shape of 32 GiB (within 2^32 elements) over a 16-byte payload.
    write(p("huge_shape.npy"), npy_header("<f8", (65536, 65536)) + b"\x00" * 16)
    # IDX: dimensions declaring 2^48 bytes over a 16-byte payload.
    write(p("huge-idx3-ubyte"), idx(0x08, (65536, 65536, 65536), b"\x00" * 16))
    # gzip bomb: a valid IDX header for 10 x 28 x 28 bytes, then 1 GiB of zeros (~1 MiB).
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [comp.compress(idx(0x08, (10, 28, 28)))]
    zeros = b"\x00" * (1 << 20)
    for _ in range(1024):
        parts.append(comp.compress(zeros))
    parts.append(comp.flush())
    write(p("bomb-idx3-ubyte.gz"), b"".join(parts))
    x = np.zeros((4, 1, 28, 28), dtype=np.uint8)
    # NPZ: a stored member with one byte changed after its CRC was recorded.
    good = npy(np.arange(4 * 784, dtype=np.float32).reshape(4, 1, 28, 28) / 4000)
    bad = bytearray(good)
    bad[-3] ^= 0x40
    write(p("bad_crc.npz"), zip_member("arr_0.npy", bytes(bad), crc=zlib.crc32(good)))
    write(p("y4.npy"), npy(np.array([0, 1, 2, 3], dtype=np.int64)))
    # Labels beyond a 10-class model's outputs.
    write(p("x4.npy"), npy(x))
    write(p("y_beyond.npy"), npy(np.array([1, 12, 3, 4], dtype=np.int64)))

    # --- graph shape arithmetic (native-schema models) ----------------------------------
    # ZeroPad2D whose padded height (3e9) overflows 32 bits.
    native_model(p("pad_overflow.h5"), [1, 1000000000, 1],
                 [("pad", "ZeroPad2D", ["input"], {"pads": [1000000000, 1000000000, 0, 0]}, {})])
    # A window over a padded axis of 3e9.
    native_model(p("window_overflow.h5"), [1, 1000000000, 1],
                 [("pool", "MaxPool2D", ["input"],
                   {"kernel": [1, 1], "stride": [1, 1], "pads": [1000000000, 1000000000, 0, 0]}, {})])
    # Flatten of 1 x 65536 x 65536 (2^32 elements: wrapped to 0 in 32 bits); now refused
    # at the input, whose size is checked like every layer's.
    native_model(p("flatten_wrap.h5"), [1, 65536, 65536],
                 [("flat", "Flatten", ["input"], {}, {}),
                  ("fc", "Dense", ["flat"], {}, {"weight": np.zeros((4, 10))})])
    # Reshape to negative dimensions whose product equals the input size.
    native_model(p("reshape_negative.h5"), [36],
                 [("shape", "Reshape", ["input"], {"target_shape": [-1, -6, 6]}, {}),
                  ("flat", "Flatten", ["shape"], {}, {}),
                  ("fc", "Dense", ["flat"], {}, {"weight": np.zeros((36, 10))})])

    # --- outputs --------------------------------------------------------------------------
    shutil.copyfile(os.path.join(src, "models", "fmnist_cnn.h5"), p("model_copy.h5"))
    for name in ("existing.h5", "existing.json", "existing_sweep.md"):
        write(p(name), b"precious results\n")


if __name__ == "__main__":
    main()
