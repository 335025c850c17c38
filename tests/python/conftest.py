"""Shared fixtures: the CLI (BRISK_CLI), the bundled models, a slice of Fashion-MNIST as
numpy arrays and as the .npy files the CLI reads."""
import os
import subprocess
import json

import numpy as np
import pytest

SOURCE = os.environ.get("BRISK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FMNIST = "/usr/share/datasets/fashion-mnist"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("BRISK_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("BRISK_CLI (the brisk executable) is not set")
    return path


@pytest.fixture(scope="session")
def cnn():
    return os.path.join(SOURCE, "models", "fmnist_cnn.h5")


@pytest.fixture(scope="session")
def cnn_q8():
    return os.path.join(SOURCE, "models", "fmnist_cnn_q8.h5")


@pytest.fixture(scope="session")
def data(tmp_path_factory):
    """300 test images (offset 100): arrays, and X.npy,Y.npy for the CLI."""
    if not os.path.isdir(FMNIST):
        pytest.skip("Fashion-MNIST is not installed (dataset-fashion-mnist)")
    import brisk
    x, y = brisk.load_data("fashion-mnist:test", samples=300, offset=100)
    folder = tmp_path_factory.mktemp("data")
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", y.astype(np.int64))
    return x, y, f"{folder / 'x.npy'},{folder / 'y.npy'}"


def run_cli(cli, *args, expect=0):
    """Runs the CLI; returns (stdout, stderr); checks the exit code."""
    p = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == expect, p.stderr
    return p.stdout, p.stderr


def cli_json(cli, tmp_path, *args):
    out = tmp_path / f"cli_{len(list(tmp_path.iterdir()))}.json"
    run_cli(cli, *args, "--json", out)
    return json.loads(out.read_text())
