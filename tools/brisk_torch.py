#!/usr/bin/python3
"""PyTorch -> "brisk ANN HDF5" exporter: command-line entry point.

The exporter itself lives in the brisk Python package (apps/python/brisk/exporter.py); this
script loads that file and re-exports its names, so scripts that put tools/ on sys.path keep
working unchanged:

    from brisk_torch import export_model, ClipFloor
    export_model(model, "net.h5", input_shape=(1, 28, 28), metadata={"dataset": "fashion-mnist"})

CLI:
    brisk_torch.py export MODEL.pt OUT.h5 --input-shape 1,28,28   (MODEL.pt: torch.save(model))
    brisk_torch.py show FILE.h5
"""
import importlib.util
import os
import sys

# Loaded by path, not as `brisk.exporter`: importing the package would need its C++
# extension, and the exporter needs only torch, numpy and h5py.
_EXPORTER = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "apps", "python",
                         "brisk", "exporter.py")
if "_brisk_exporter" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("_brisk_exporter", _EXPORTER)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["_brisk_exporter"] = _module
    _spec.loader.exec_module(_module)

from _brisk_exporter import *  # noqa: E402,F401,F403  (the public names)
from _brisk_exporter import _main  # noqa: E402

if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
