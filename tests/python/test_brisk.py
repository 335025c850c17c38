"""The brisk Python module against independent references: the brisk CLI's --json for the
same run (a separate front end over files), torch's own forward pass, and the engine's
two recording paths."""
import math
import os

import numpy as np
import pytest

import brisk
from conftest import cli_json, run_cli

# Keys of `brisk run --json` that name the inputs or time the run, not its figures.
NOT_FIGURES = {"data", "network", "seconds", "images_per_second"}


def figures(j):
    out = {k: v for k, v in j.items() if k not in NOT_FIGURES}
    if "calibration" in out:  # the calibration report's wall time
        out["calibration"] = {k: v for k, v in out["calibration"].items() if k != "seconds"}
    return out


def assert_same(a, b, path=""):
    """Exact equality of JSON values (floats compared bit for bit after the CLI's text round
    trip: nlohmann prints the shortest repr, which reads back exactly)."""
    assert type(a) == type(b) or {type(a), type(b)} <= {int, float}, f"{path}: {a!r} vs {b!r}"
    if isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys {sorted(a.keys() ^ b.keys())}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            assert_same(u, v, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def test_import_names():
    assert brisk.__version__
    for name in ("load_model", "from_torch", "convert", "load_network", "sweep", "Error"):
        assert hasattr(brisk, name)


def test_model_summary(cnn):
    m = brisk.load_model(cnn)
    assert m.input_shape == (1, 28, 28)
    assert m.output_shape == (10,)
    names = [l["name"] for l in m.layers]
    assert names[0] == m.layers[0]["name"] and "fc2" in names
    text = m.summary()
    assert all(n in text for n in names) and "MACs per sample 758592" in text


def test_potential_scope_neuron(cli, cnn, data, tmp_path):
    """potential_scope="neuron": one V0 per neuron of conv1 (26 x 26 x 16), the summary
    counts them as neurons, and the run equals `brisk run --potential-scope neuron`."""
    x, y, spec = data
    net = brisk.convert(cnn, "rate", 8, calibrate="potential", calib_samples=100, calib_data=spec,
                        potential_scope="neuron")
    conv1 = next(l for l in net.layers if l["name"] == "conv1")
    assert conv1["v0"].size == math.prod(conv1["output_shape"]) == 10816
    assert "(10816 neurons)" in net.summary()
    want = cli_json(cli, tmp_path, "run", cnn, "--method", "rate", "-T", 8, "--calibrate", "potential",
                    "--potential-scope", "neuron", "--calib-samples", 100, "--calib-data", spec, "--data", spec)
    assert_same(figures(net.run(x, y).json()), figures(want))
    with pytest.raises(brisk.UsageError, match="--potential-scope"):
        brisk.convert(cnn, "rate", 8, calibrate="potential", calib_samples=10, calib_data=spec,
                      potential_scope="pixel")


def test_run_equals_cli_json(cli, cnn, data, tmp_path):
    """convert + run in Python == `brisk run MODEL --method rate ... --json`, every figure;
    and the saved network run by the CLI == the same network run in Python."""
    x, y, spec = data
    # Calibrated on the same slice (a file spec: no 60000-image load in a unit test).
    opts = dict(per_channel=True, calibrate="all", calib_samples=200, calib_data=spec)
    net = brisk.convert(cnn, "rate", 8, **opts)
    got = net.run(x, y)
    want = cli_json(cli, tmp_path, "run", cnn, "--method", "rate", "-T", 8, "--per-channel",
                    "--calibrate", "all", "--calib-samples", 200, "--calib-data", spec, "--data", spec)
    assert_same(figures(got.json()), figures(want))
    # The attributes are the JSON's figures.
    assert got.accuracy == want["snn_accuracy"]
    assert list(got.accuracy_at_step) == want["accuracy_at_step"]
    assert got.spikes_per_layer == {l["name"]: l["spikes_per_sample"] for l in want["layers"]}
    assert got.sops_per_layer == {l["name"]: l["sops_per_sample"] for l in want["layers"]}
    assert math.isclose(got.energy["snn_uj"], want["snn_energy_uj_per_sample"], rel_tol=0, abs_tol=0)
    assert got.predictions.shape == (len(y),) and got.logits.shape == (len(y), 10)
    assert np.array_equal(got.logits.argmax(axis=1), got.predictions)
    assert int(got.sample_spikes.sum()) == int(got.spikes.sum()) == round(want["spikes_per_sample"] * len(y))
    # Saved, then simulated by the CLI at another T.
    path = tmp_path / "net.h5"
    net.save(path)
    with pytest.raises(brisk.UsageError):
        net.save(path)  # never replaced without force
    again = brisk.load_network(path).run(x, y, timesteps=4)
    want4 = cli_json(cli, tmp_path, "run", path, "-T", 4, "--data", spec)
    assert_same(figures(again.json()), figures(want4))


def test_numpy_torch_dataloader_inputs(cnn_q8, data):
    torch = pytest.importorskip("torch")
    x, y, _ = data
    net = brisk.convert(cnn_q8, "radix")
    a = net.run(x, y)
    b = net.run(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x),
                                                                        torch.from_numpy(y)),
                                         batch_size=64)
    c = net.run(loader)
    d = net.run(np.ascontiguousarray(x.astype(np.float64)), list(y))  # converted copies
    nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    e = net.run(torch.from_numpy(nhwc).permute(0, 3, 1, 2), y)  # a non-contiguous view
    for r in (b, c, d, e):
        assert_same(figures(r.json()), figures(a.json()))
        assert np.array_equal(r.predictions, a.predictions)
        assert np.array_equal(r.logits, a.logits)
    # Read in place: float32 C-contiguous arrays and CPU tensors reach the C++ side uncopied.
    assert brisk._floats(x) is x
    t = torch.from_numpy(x)
    assert np.shares_memory(brisk._floats(t), x)
    unlabelled = net.run(x)
    assert unlabelled.accuracy is None and unlabelled.accuracy_at_step is None
    assert np.array_equal(unlabelled.predictions, a.predictions)
    assert np.array_equal(unlabelled.spikes, a.spikes)


def test_errors_match_cli(cli, cnn, data, tmp_path):
    x, y, spec = data
    missing = str(tmp_path / "absent.h5")
    with pytest.raises(FileNotFoundError) as e:
        brisk.load_model(missing)
    assert isinstance(e.value, brisk.Error) and isinstance(e.value, brisk.InputError)
    _, err = run_cli(cli, "inspect", missing, expect=3)
    assert err.strip() == f"brisk: error: {e.value}"
    with pytest.raises(FileNotFoundError):
        brisk.load_network(missing)

    with pytest.raises(ValueError) as e:
        brisk.convert(cnn, "bogus")
    assert isinstance(e.value, brisk.UsageError)
    _, err = run_cli(cli, "convert", cnn, "-o", tmp_path / "o.h5", "--method", "bogus", expect=2)
    assert err.strip() == f"brisk: error: {e.value}"
    with pytest.raises(brisk.UsageError) as e:
        brisk.convert(cnn, "rate", 0)
    _, err = run_cli(cli, "convert", cnn, "-o", tmp_path / "o.h5", "-T", 0, expect=2)
    assert err.strip() == f"brisk: error: {e.value}"
    with pytest.raises(brisk.UsageError):
        brisk.convert(cnn, "rate", calibrate="weights,nonsense")
    with pytest.raises(brisk.UsageError):
        brisk.convert(cnn, "rate", no_such_option=1)

    net = brisk.convert(brisk.load_model(cnn), "rate", 4, calib_data=x)  # calibration from an array
    with pytest.raises(brisk.InputError, match="do not fit the model input 1x28x28"):
        net.run(x[:, :, :20, :], y)
    with pytest.raises(brisk.InputError, match="batch dimension"):
        net.run(x[0, 0, 0], y[:1])
    bad = x[:10].copy()
    bad[3, 0, 5, 5] = np.nan
    with pytest.raises(brisk.InputError, match="sample 3 holds nan"):
        net.run(bad, y[:10])
    with pytest.raises(brisk.InputError, match="9 labels for 10 samples"):
        net.run(x[:10], y[:9])
    with pytest.raises(brisk.InputError, match="label 10 .* not one of the model's 10 classes"):
        net.run(x[:10], np.full(10, 10))
    with pytest.raises(brisk.UsageError, match="record"):
        net.run(x[:10], record="everything")
    with pytest.raises(brisk.UsageError, match="no layer 'nope'"):
        net.run(x[:10], record="rate", record_layers=["nope"])


def test_calibration_limits_match_cli(cli, cnn, data, tmp_path):
    """max_input_bytes reaches the calibration pool and max_memory calibration's simulations,
    with the CLI's errors (--max-input-bytes, --max-memory)."""
    x, y, spec = data
    with pytest.raises(brisk.InputError) as e:
        brisk.convert(cnn, "rate", 4, calib_samples=4, calib_data=spec, max_input_bytes="1K")
    _, err = run_cli(cli, "convert", cnn, "-o", tmp_path / "o.h5", "-T", 4, "--calib-samples", 4,
                     "--calib-data", spec, "--max-input-bytes", "1K", expect=3)
    assert err.strip() == f"brisk: error: {e.value}"
    with pytest.raises(brisk.UsageError) as e:
        brisk.convert(cnn, "rate", 4, calibrate="all", calib_samples=4, calib_data=spec, max_memory="1K")
    _, err = run_cli(cli, "convert", cnn, "-o", tmp_path / "o.h5", "-T", 4, "--calibrate", "all",
                     "--calib-samples", 4, "--calib-data", spec, "--max-memory", "1K", expect=2)
    assert err.strip() == f"brisk: error: {e.value}"
    # The sweep's max_memory bounds its calibrations too.
    with pytest.raises(brisk.UsageError, match="beyond --max-memory"):
        brisk.sweep(cnn, x[:20], y[:20], methods="rate", stages="all", timesteps=(4,),
                    calib_samples=4, calib_data=spec, max_memory="1K")


def test_recordings(cnn, data):
    """Spike trains kept by simulate() (one sample at a time) agree with the counts the
    parallel run records: per sample and neuron, the payload sums are equal."""
    x, y, _ = data
    net = brisk.convert(cnn, "rate", 4, calib_samples=100, calib_data=x)
    counts = net.run(x[:6], y[:6], record="counts", record_layers=["conv1", "fc1"])
    trains = net.run(x[:6], record="trains", record_layers=["conv1", "fc1"], record_samples=[1, 4])
    rate = net.run(x[:6], y[:6], record="rate")
    assert set(trains.trains) == {"conv1", "fc1"}
    for layer in ("conv1", "fc1"):
        c = counts.counts[layer]
        assert c.shape == (6,) + tuple(l["output_shape"] for l in brisk.load_model(cnn).layers
                                       if l["name"] == layer)[0]
        for k, sample in enumerate([1, 4]):
            step, neuron, payload = trains.trains[layer][k]
            assert step.max() < 4 and len(step) == len(neuron) == len(payload)
            dense = np.zeros(c[sample].size, np.float64)
            np.add.at(dense, neuron, payload)
            assert np.array_equal(dense.reshape(c[sample].shape), c[sample].astype(np.float64))
        assert np.allclose(rate.mean_rate[layer], c.mean(axis=0) / 4, rtol=1e-5)
    assert int(counts.spikes[counts.layer_names.index("conv1")]) == int(counts.counts["conv1"].sum())


def test_record_membrane_and_count(cnn, data):
    """record_membrane: (steps, neurons) potentials per recorded sample; conv1 (direct input,
    IF, subtract reset) obeys V_t = V_{t-1} + z - theta * s_t with z constant, so
    V_t - V_{t-1} + theta * s_t is the same at every step (s_t from the recorded train).
    count="spikes" (AugMapping): more SOPs than "events", the same spikes, energy follows."""
    x, y, _ = data
    net = brisk.convert(cnn, "rate", 4, calib_samples=100, calib_data=x)
    r = net.run(x[:3], record="trains", record_layers=["conv1", "pool1"], record_samples=[0, 2],
                record_membrane=True)
    assert set(r.membrane) == {"conv1"}  # pool1 has no population
    theta = [l for l in net.layers if l["name"] == "conv1"][0]["threshold"]
    for k in range(2):
        raw = r.membrane["conv1"][k]
        assert raw.dtype == np.float32 and raw.shape[0] == 4
        v = raw.astype(np.float64)
        step, neuron, _ = r.trains["conv1"][k]
        s = np.zeros_like(v)
        s[step, neuron] = 1
        channels = theta.size
        th = np.repeat(theta.astype(np.float64), v.shape[1] // channels) if channels > 1 else float(theta[0])
        drive = np.diff(v, axis=0) + th * s[1:]
        assert np.allclose(drive, drive[0], atol=1e-4), "IF potentials do not integrate a constant current"
        assert s.sum() > 0
    with pytest.raises(brisk.UsageError, match="record_membrane"):
        net.run(x[:3], record_membrane=True)
    aug = brisk.convert(cnn, "augmap", 3, calib_samples=100, calib_data=x)
    e, k = aug.run(x[:8], y[:8]), aug.run(x[:8], y[:8], count="spikes")
    assert e.sop_convention == "events" and k.sop_convention == "spikes"
    assert k.sops_per_sample > e.sops_per_sample and k.spikes_per_sample == e.spikes_per_sample
    assert k.energy["snn_uj"] > e.energy["snn_uj"]
    with pytest.raises(brisk.UsageError, match="count"):
        aug.run(x[:8], count="foo")


def _trained_torch_cnn(x, y):
    """A small CNN with 8-bit clip-floor activations, trained briefly on the given samples."""
    import torch
    import torch.nn as nn
    from brisk.exporter import ClipFloor
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), ClipFloor(8, 2.0), nn.AvgPool2d(2),
                          nn.Conv2d(8, 16, 3), ClipFloor(8, 2.0), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Linear(16 * 5 * 5, 32), ClipFloor(8, 4.0), nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), 2e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    for epoch in range(3):
        for i in range(0, len(xt), 50):
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt[i:i + 50]), yt[i:i + 50]).backward()
            opt.step()
    return model.eval()


def test_from_torch_radix_equals_cli(cli, data, tmp_path):
    """from_torch + convert(radix) + run == `brisk run` on the exported file (accuracy,
    spikes, SOPs), and the ANN's predictions == torch's."""
    torch = pytest.importorskip("torch")
    from brisk.exporter import export_model
    x, y, spec = data
    xtrain, ytrain = brisk.load_data("fashion-mnist:train", samples=600)
    model = _trained_torch_cnn(xtrain, ytrain)
    m = brisk.from_torch(model, (1, 28, 28))
    assert m.source == "<torch Sequential>" and m.input_shape == (1, 28, 28)
    with torch.no_grad():
        torch_pred = model(torch.from_numpy(x)).argmax(1).numpy()
    ev = m.evaluate(x, y)
    assert np.array_equal(ev["predictions"], torch_pred)
    assert ev["accuracy"] == np.mean(torch_pred == y) and ev["accuracy"] > 0.5

    got = brisk.convert(m, method="radix").run(x, y)
    path = tmp_path / "torch_cnn.h5"
    export_model(model, str(path), (1, 28, 28))
    want = cli_json(cli, tmp_path, "run", path, "--method", "radix", "--data", spec)
    assert got.accuracy == want["snn_accuracy"] and got.ann_accuracy == want["ann_accuracy"]
    assert got.spikes_per_layer == {l["name"]: l["spikes_per_sample"] for l in want["layers"]}
    assert got.sops_per_layer == {l["name"]: l["sops_per_sample"] for l in want["layers"]}
    mine, theirs = figures(got.json()), figures(want)
    for key in ("provenance",):  # the source is named differently (memory vs file)
        mine.pop(key), theirs.pop(key)
    assert_same(mine, theirs)
    assert got.agreement == 1.0  # radix of a clip-floor ANN is exact


def test_description_errors_name_the_layer():
    torch = pytest.importorskip("torch")
    import torch.nn as nn
    from brisk.exporter import describe_model
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    d = describe_model(model, (1, 28, 28))
    del d["datasets"]["layers/_1/weight"]
    with pytest.raises(brisk.InputError, match="<torch Sequential>: layer '_1': dataset 'weight' is missing"):
        brisk._brisk.model_from_description(d, "<torch Sequential>")
    d = describe_model(model, (1, 28, 28))
    d["objects"]["layers/_1"]["type"] = "Conv3D"
    with pytest.raises(brisk.InputError, match="unsupported layer type 'Conv3D'"):
        brisk._brisk.model_from_description(d, "<torch Sequential>")
    with pytest.raises(ValueError, match="unsupported module class GELU"):
        brisk.from_torch(nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.GELU()), (1, 28, 28))


def test_sweep_equals_cli(cli, cnn, data, tmp_path):
    x, y, spec = data
    rows = brisk.sweep(cnn, x, y, methods=["rate", "radix"], stages=["none", "bias"], timesteps=[4],
                       calib_samples=100, calib_data=spec, out=tmp_path / "py")
    run_cli(cli, "sweep", cnn, "--data", spec, "--methods", "rate,radix", "--stages", "none,bias",
            "--timesteps-list", 4, "--calib-samples", 100, "--calib-data", spec, "--out", tmp_path / "cli")
    import json
    want = json.loads((tmp_path / "cli" / "results.json").read_text())["runs"]
    assert [(r["method"], r["calibration"]) for r in rows] == [("rate", "none"), ("rate", "bias"), ("radix", "none")]
    for r, w in zip(rows, want):
        for key, value in w.items():
            if key == "calibration_report":
                continue  # (its wall time differs; its figures are the run's)
            if key not in ("convert_seconds", "run_seconds"):
                assert_same(r[key], value, key)
    for name in ("results.md", "results.csv", "results.json"):
        assert (tmp_path / "py" / name).exists()
    with pytest.raises(brisk.UsageError):  # existing outputs are not replaced
        brisk.sweep(cnn, x, y, methods=["radix"], out=tmp_path / "py")


def test_sweep_count_spikes_equals_cli(cli, cnn, data, tmp_path):
    """sweep(count="spikes") is the CLI's `--count spikes`: the same SOPs and energy per row,
    more SOPs than count="events" for AugMapping (a coefficient c counts c), the convention
    recorded; an unknown convention is a UsageError."""
    x, y, spec = data
    kw = dict(methods=["augmap"], stages=["none"], aug_timesteps=[2], calib_samples=100, calib_data=spec)
    events = brisk.sweep(cnn, x, y, **kw)
    spikes = brisk.sweep(cnn, x, y, count="spikes", **kw)
    run_cli(cli, "sweep", cnn, "--data", spec, "--methods", "augmap", "--stages", "none",
            "--aug-timesteps", 2, "--calib-samples", 100, "--calib-data", spec, "--count", "spikes",
            "--out", tmp_path / "cli")
    import json
    want = json.loads((tmp_path / "cli" / "results.json").read_text())
    rows = want["runs"]
    assert len(rows) == len(spikes) == len(events) == 1
    for key in ("sops_per_sample", "snn_energy_uj", "spikes_per_sample"):
        assert key in rows[0], key
        assert_same(spikes[0][key], rows[0][key], key)
    assert spikes[0]["sops_per_sample"] > events[0]["sops_per_sample"]
    assert spikes[0]["spikes_per_sample"] == events[0]["spikes_per_sample"]
    with pytest.raises(brisk.UsageError, match="count"):
        brisk.sweep(cnn, x, y, count="foo", **kw)


def test_tools_entry_point_uses_the_package_exporter(tmp_path):
    """tools/brisk_torch.py re-exports the package's exporter: a model built with its
    ClipFloor converts in memory, and its file gives the same layers as from_torch."""
    torch = pytest.importorskip("torch")
    import subprocess
    import sys
    import torch.nn as nn
    from conftest import SOURCE
    sys.path.insert(0, os.path.join(SOURCE, "tools"))
    try:
        import brisk_torch
    finally:
        sys.path.pop(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), brisk_torch.ClipFloor(8, 2.0), nn.Linear(16, 10))
    in_memory = brisk.from_torch(model, (1, 28, 28))
    path = tmp_path / "m.h5"
    brisk_torch.export_model(model, str(path), (1, 28, 28))
    from_file = brisk.load_model(path)
    assert in_memory.layers == from_file.layers
    assert "clip-floor 2, 8 bits" in in_memory.summary()
    shown = subprocess.run([sys.executable, os.path.join(SOURCE, "tools", "brisk_torch.py"), "show", str(path)],
                           capture_output=True, text=True)
    assert shown.returncode == 0 and "Dense" in shown.stdout
