#!/usr/bin/python3
"""Writes the dataset-reader test fixtures into OUTDIR (run by CTest as a fixture).

Every valid file holds closed-form contents that tests/data/fixtures.hpp recomputes in
C++, so the tests compare values, not just shapes:

  samples  x[n, c, h, w] = ((7n + 5c + 3h + w) % 11) / 10        float32 / float64
           u[n, c, h, w] = (37n + 11c + 5h + 3w) % 256            uint8 (reader: u / 255)
  labels   y[n] = (3n) % 5        one-hot files use K = 7 columns

with N = 6, C = 2, H = 3, W = 4. The malformed files each break one rule.
Needs numpy and h5py: run it with /usr/bin/python3 (Debian's python3-numpy, python3-h5py).
"""
import gzip
import os
import struct
import sys
import zipfile

import h5py
import numpy as np

N, C, H, W = 6, 2, 3, 4
K = 7


def closed_float():
    n, c, h, w = np.meshgrid(np.arange(N), np.arange(C), np.arange(H), np.arange(W), indexing="ij")
    return ((7 * n + 5 * c + 3 * h + w) % 11) / 10.0  # float64


def closed_uint8():
    n, c, h, w = np.meshgrid(np.arange(N), np.arange(C), np.arange(H), np.arange(W), indexing="ij")
    return ((37 * n + 11 * c + 5 * h + 3 * w) % 256).astype(np.uint8)


def labels():
    return (3 * np.arange(N)) % 5


def one_hot(dtype):
    y = np.zeros((N, K), dtype=dtype)
    y[np.arange(N), labels()] = 1
    return y


def idx_bytes(arr, code):
    """IDX: two zero bytes, dtype code, rank, big-endian dims, big-endian data."""
    header = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def valid_files(out):
    xf = closed_float()
    xu = closed_uint8()
    y = labels()
    p = lambda name: os.path.join(out, name)

    # .npy: sample dtypes and layouts
    np.save(p("x_f32.npy"), xf.astype(np.float32))
    np.save(p("x_f64.npy"), xf)
    np.save(p("x_u8.npy"), xu)
    np.save(p("x_f32_nhwc.npy"), np.ascontiguousarray(xf.astype(np.float32).transpose(0, 2, 3, 1)))
    np.save(p("x_f32_hw.npy"), xf[:, 0].astype(np.float32))          # (N, H, W)
    np.save(p("x_f32_flat.npy"), xf.reshape(N, -1).astype(np.float32))  # (N, D)
    # .npy: label encodings
    np.save(p("y_i32.npy"), y.astype(np.int32))
    np.save(p("y_i64.npy"), y.astype(np.int64))
    np.save(p("y_u8.npy"), y.astype(np.uint8))
    np.save(p("y_col.npy"), y.astype(np.int64).reshape(N, 1))
    np.save(p("y_float_idx.npy"), y.astype(np.float64))
    np.save(p("y_onehot_f32.npy"), one_hot(np.float32))
    np.save(p("y_onehot_u8.npy"), one_hot(np.uint8))

    # .npz: savez (stored) and savez_compressed (deflated), positional arr_0
    np.savez(p("x_savez.npz"), xf.astype(np.float32))
    np.savez(p("y_savez.npz"), y.astype(np.int64))
    np.savez_compressed(p("x_savezc.npz"), xf.astype(np.float32))
    np.savez_compressed(p("y_savezc.npz"), one_hot(np.float32))
    np.savez_compressed(p("x_u8_savezc.npz"), xu)
    np.savez_compressed(p("x_nhwc_savezc.npz"), np.ascontiguousarray(xf.astype(np.float64).transpose(0, 2, 3, 1)))
    np.savez(p("x_single_named.npz"), images=xf.astype(np.float32))  # one member, not arr_0
    # one archive holding both arrays, by name
    np.savez_compressed(p("both.npz"), x_test=xf.astype(np.float32), y_test=y.astype(np.int32))
    np.savez(p("both_custom.npz"), images=xu, classes=one_hot(np.float64))

    # HDF5
    with h5py.File(p("data.h5"), "w") as f:
        f["x_test"] = xf.astype(np.float32)
        f["y_test"] = y.astype(np.int64)
    with h5py.File(p("custom.hdf5"), "w") as f:
        f.create_group("set")
        f["set/images"] = xu
        f["set/labels"] = one_hot(np.float64)
        f["bools"] = np.ones((N,), dtype=bool)

    # IDX: raw and gzip-compressed, plus a gzip made of two concatenated members
    x_idx = idx_bytes(xu[:, 0], 0x08)  # (N, H, W) uint8
    y_idx = idx_bytes(y.astype(np.uint8), 0x08)
    write(p("images-idx3-ubyte"), x_idx)
    write(p("labels-idx1-ubyte"), y_idx)
    write(p("images-idx3-ubyte.gz"), gzip.compress(x_idx))
    write(p("labels-idx1-ubyte.gz"), gzip.compress(y_idx))
    write(p("images-2members.gz"), gzip.compress(x_idx[:20]) + gzip.compress(x_idx[20:]))
    write(p("images-f32-idx"), idx_bytes(xf[:, 0].astype(np.float32), 0x0D))  # big-endian floats
    return xf, y


def malformed_files(out, xf, y):
    p = lambda name: os.path.join(out, name)
    x32 = xf.astype(np.float32)

    # gzip / IDX
    big = idx_bytes(np.arange(64 * 1024, dtype=np.uint32).view(np.uint8).reshape(256, 16, 64), 0x08)
    gz = gzip.compress(big)
    write(p("truncated.gz"), gz[: len(gz) // 2])
    damaged = bytearray(gz)
    for i in range(len(gz) // 2, len(gz) // 2 + 8):
        damaged[i] ^= 0x5A
    write(p("corrupted.gz"), bytes(damaged))
    write(p("garbage-after.gz"), gz + b"this is not gzip")
    write(p("notgzip.gz"), b"plain text, not compressed\n")
    write(p("badmagic-idx3-ubyte"), b"\x01\x02" + big[2:])
    write(p("baddtype-idx3-ubyte"), b"\x00\x00\x07" + big[3:])
    write(p("truncated-idx3-ubyte"), big[:-100])
    write(p("trailing-idx3-ubyte"), big + b"\x00\x00")
    write(p("labels-short-idx1-ubyte"), idx_bytes(y[:-1].astype(np.uint8), 0x08))

    # .npy
    np.save(p("x_nan.npy"), np.where(np.arange(N)[:, None, None, None] == 3, np.float32("nan"), x32))
    x_inf = x32.copy()
    x_inf[4, 1, 2, 3] = np.inf
    np.save(p("x_inf.npy"), x_inf)
    x_huge = xf.copy()
    x_huge[2, 0, 0, 0] = 1e300  # finite in float64, Inf in float32
    np.save(p("x_huge_f64.npy"), x_huge)
    np.save(p("x_i32.npy"), (xf * 10).astype(np.int32))  # unsupported sample dtype
    np.save(p("x_c64.npy"), x32.astype(np.complex64))
    np.save(p("x_f16.npy"), x32.astype(np.float16))
    np.save(p("x_be.npy"), x32.astype(">f4"))
    np.save(p("x_fortran.npy"), np.asfortranarray(x32))
    np.save(p("x_object.npy"), np.array([{"a": 1}] * N, dtype=object), allow_pickle=True)
    np.save(p("x_zero.npy"), np.zeros((0, C, H, W), np.float32))
    np.save(p("y_zero.npy"), np.zeros((0,), np.int64))
    np.save(p("x_nhwc_looking.npy"), np.zeros((N, 8, 8, 1), np.float32))
    np.save(p("x_scalar.npy"), np.float32(1.0))
    with open(p("x_f32.npy"), "rb") as f:
        whole = f.read()
    write(p("x_truncated.npy"), whole[:-10])
    write(p("x_badmagic.npy"), b"NUMPY!" + whole[6:])
    np.save(p("y_short.npy"), y[:-1].astype(np.int64))
    np.save(p("y_negative.npy"), np.array([0, 1, -2, 3, 4, 0], np.int64))
    np.save(p("y_fraction.npy"), np.array([0, 1, 1.5, 3, 4, 0], np.float64))
    two_hot = np.zeros((N, K), np.float32)
    two_hot[np.arange(N), labels()] = 1
    two_hot[2, 6] = 1
    np.save(p("y_two_hot.npy"), two_hot)
    zero_row = np.zeros((N, K), np.float32)
    zero_row[np.arange(N), labels()] = 1
    zero_row[5] = 0
    np.save(p("y_zero_row.npy"), zero_row)
    soft = np.full((N, K), 0.01, np.float32)
    soft[np.arange(N), labels()] = 0.94
    np.save(p("y_soft.npy"), soft)
    np.save(p("y_3d.npy"), np.zeros((N, 2, 2), np.int64))

    # .npz
    write(p("text.npz"), b"just some text renamed to .npz\n")
    write(p("empty.npz"), b"")
    write(p("empty.npy"), b"")
    np.savez(p("y_short.npz"), y[:-1].astype(np.int64))
    np.savez(p("two_members.npz"), a=x32, b=x32)  # no arr_0, not a single member
    np.savez(p("x_only.npz"), x_test=x32)         # single-file spec: y_test missing
    np.savez_compressed(p("x_nan.npz"), np.where(np.arange(N)[:, None, None, None] == 3, np.float32("nan"), x32))
    np.savez_compressed(p("x_c64.npz"), x32.astype(np.complex64))
    # a deflated member whose bytes are damaged (the zip directory stays intact)
    np.savez_compressed(p("damaged_member.npz"), np.arange(20000, dtype=np.int64).reshape(20, 1000))
    with zipfile.ZipFile(p("damaged_member.npz")) as z:
        info = z.infolist()[0]
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw = bytearray(open(p("damaged_member.npz"), "rb").read())
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 16):
        raw[i] ^= 0xA5
    write(p("damaged_member.npz"), bytes(raw))
    write(p("truncated.npz"), open(p("x_savezc.npz"), "rb").read()[:200])

    # HDF5
    write(p("text.h5"), b"not an HDF5 file\n")
    write(p("empty.h5"), b"")
    with h5py.File(p("strings.h5"), "w") as f:
        f["x_test"] = np.array([b"abc"] * N)
        f["y_test"] = y.astype(np.int64)
        f["x_c64"] = x32.astype(np.complex64)
    with open(p("data.h5"), "rb") as f:
        h5 = f.read()
    write(p("truncated.h5"), h5[: len(h5) // 2])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_fixtures.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    xf, y = valid_files(out)
    malformed_files(out, xf, y)
    print(f"make_fixtures: wrote {len(os.listdir(out))} files to {out}")


if __name__ == "__main__":
    main()
