"""brisk from Python: convert a trained ANN (a file, or a PyTorch nn.Module in memory) into a
spiking network, simulate it and get the figures as numpy arrays.

    import brisk
    model = brisk.from_torch(net, (1, 28, 28))            # or brisk.load_model("cnn.h5")
    snn = brisk.convert(model, method="rate", timesteps=16, calibrate="all", calib_data=x_train)
    result = snn.run(x_test, y_test)                      # numpy arrays, torch tensors, DataLoaders
    result.accuracy_at_step, result.spikes_per_layer, result.energy

The nouns and defaults are the command line's (brisk convert / run / sweep --help): a keyword
argument is the flag with '_' for '-'. Errors raise brisk.Error subclasses (UsageError and
InputError are ValueErrors, NotFoundError a FileNotFoundError) with the CLI's messages.
"""
import math
import os
import warnings

import numpy as np

from ._errors import Error, InputError, InternalError, NotFoundError, UsageError
from . import _brisk

__version__ = _brisk.__version__
__all__ = ["Error", "UsageError", "InputError", "NotFoundError", "InternalError", "Model",
           "SpikingNetwork", "RunResult", "load_model", "from_torch", "convert", "load_network",
           "load_data", "sweep"]


# ---- inputs ---------------------------------------------------------------------------------

def _is_torch_tensor(x):
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _is_loader(x):
    return (not isinstance(x, (np.ndarray, str, bytes, tuple, list)) and not _is_torch_tensor(x)
            and hasattr(x, "__iter__"))


def _floats(x):
    """float32, C-contiguous: the array itself when it already is (read in place)."""
    if _is_torch_tensor(x):
        x = x.detach()
        if x.device.type != "cpu":
            x = x.cpu()
        if x.dtype != _torch().float32:
            x = x.float()
        return x.contiguous().numpy()
    return np.ascontiguousarray(x, dtype=np.float32)


def _labels(y, label):
    if _is_torch_tensor(y):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:  # one-hot
        y = y.argmax(axis=1)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.floor(y)):
            raise InputError(f"{label}: labels must be integers")
    if y.size and (y.min() < -2**31 or y.max() >= 2**31):
        raise InputError(f"{label}: label {y.min() if y.min() < 0 else y.max()} is out of range")
    return np.ascontiguousarray(y, dtype=np.int32)


def _torch():
    import torch
    return torch


def _data(x, y=None, what="x"):
    """(samples, labels or None, label): numpy arrays, torch tensors, a DataLoader (or any
    iterable of (x, y) batches), or a dataset spec string (load_data)."""
    if isinstance(x, (str, os.PathLike)):
        if y is not None:
            raise UsageError(f"{what}: a dataset spec carries its labels (y must be None)")
        xs, ys, source = _brisk.load_data(os.fspath(x), 0, 0, False, "x_test", "y_test")
        return xs, ys, source
    if _is_loader(x):
        if y is not None:
            raise UsageError(f"{what}: a DataLoader carries its labels (y must be None)")
        xb, yb = [], []
        for batch in x:
            if isinstance(batch, (tuple, list)) and len(batch) >= 2:
                xb.append(_floats(batch[0]))
                yb.append(_labels(batch[1], "DataLoader"))
            else:
                xb.append(_floats(batch))
        if not xb:
            raise InputError("DataLoader: no samples")
        xs = np.ascontiguousarray(np.concatenate(xb))
        ys = np.concatenate(yb) if len(yb) == len(xb) else None
        return xs, ys, f"DataLoader ({len(xs)} samples)"
    xs = _floats(x)
    kind = "tensor" if _is_torch_tensor(x) else "array"
    return xs, (None if y is None else _labels(y, what)), f"{kind} ({xs.shape[0] if xs.ndim else 0} samples)"


def _size(v, name):
    if isinstance(v, (int, np.integer)):
        if v < 1:
            raise UsageError(f"--{name}: '{v}' is not a size (a positive number of bytes, optionally with K, M, G or T)")
        return int(v)
    text = str(v)
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    t = text.rstrip("Bb").rstrip("i")
    try:
        bytes_ = float(t[:-1]) * scale[t[-1].upper()] if t and t[-1].upper() in scale else float(t)
    except ValueError:
        bytes_ = float("nan")
    if not bytes_ >= 1 or bytes_ >= 2**63:
        raise UsageError(f"--{name}: '{text}' is not a size (a positive number of bytes, optionally with K, M, G or T)")
    return int(bytes_)


def load_data(spec, samples=0, offset=0, nhwc=False, x_name="x_test", y_name="y_test"):
    """Loads a dataset spec as the CLI's --data does (fashion-mnist[:train|:test],
    X.npz,Y.npz, IDX files, FILE.h5[:X,Y]): (x float32 NCHW, y int32)."""
    xs, ys, _ = _brisk.load_data(os.fspath(spec), int(samples), int(offset), bool(nhwc), x_name, y_name)
    return xs, ys


# ---- models ---------------------------------------------------------------------------------

class Model:
    """A trained ANN as brisk imported it (the Graph load_model builds)."""

    def __init__(self, native):
        self._m = native

    source = property(lambda self: self._m.source, doc="the file, or the in-memory model's name")
    sha256 = property(lambda self: self._m.sha256)
    input_shape = property(lambda self: self._m.input_shape)
    output_shape = property(lambda self: self._m.output_shape)
    meta = property(lambda self: self._m.meta)
    macs = property(lambda self: self._m.macs, doc="multiply-accumulates per sample")
    layers = property(lambda self: self._m.layers(), doc="one dict per layer (name, type, output_shape, ...)")

    def summary(self):
        """The layer table of `brisk inspect MODEL`."""
        return self._m.summary()

    def evaluate(self, x, y=None, threads=0):
        """Accuracy of the float ANN (`brisk eval`): dict with accuracy, correct, samples,
        macs_per_sample and predictions (numpy)."""
        xs, ys, label = _data(x, y)
        if ys is None:
            raise UsageError("evaluate: labels are needed (y, or a DataLoader of (x, y) batches)")
        return self._m.evaluate(xs, ys, int(threads), label)

    def __repr__(self):
        return f"<brisk.Model {self.source}: {len(self.layers)} layers, input {self.input_shape}>"


def load_model(path, arch="", theano_flip="auto"):
    """Reads a Keras .h5 / .keras file or a brisk ANN HDF5 file (as `brisk inspect` does)."""
    return Model(_brisk.load_model(os.fspath(path), os.fspath(arch), theano_flip))


def from_torch(module, input_shape, metadata=None, name=None):
    """A PyTorch nn.Module as a brisk Model, in memory (no file): the exporter's description
    (exporter.describe_model) read by the same reader and checks as the exported file.
    input_shape: per-sample, channels first, e.g. (1, 28, 28)."""
    from .exporter import describe_model
    description = describe_model(module, tuple(input_shape), metadata)
    label = name or f"<torch {type(module).__name__}>"
    return Model(_brisk.model_from_description(description, label))


def _model(model):
    if isinstance(model, Model):
        return model
    if isinstance(model, (str, os.PathLike)):
        return load_model(model)
    raise UsageError("model: expected a brisk.Model (load_model, from_torch) or a model file path")


def _conversion_options(kw):
    options = dict(kw)
    # Calibration's limits, as the CLI's --max-memory (its simulations) and --max-input-bytes
    # (each array of the calibration pool).
    options["max_memory"] = _size(options.get("max_memory", "8G"), "max-memory")
    options["max_input_bytes"] = _size(options.get("max_input_bytes", "4G"), "max-input-bytes")
    calib = options.pop("calib_data", "fashion-mnist:train")
    if calib is None or isinstance(calib, (str, os.PathLike)):
        options["calib_data"] = "fashion-mnist:train" if calib is None else os.fspath(calib)
    else:
        xs, _, label = _data(calib, what="calib_data")
        options["calib_x"] = xs
        options["calib_label"] = label
    return options


_CONVERT_DEFAULTS = dict(calibrate="none", calib_data="fashion-mnist:train", calib_samples=1000,
                         calib_offset=0, calib_pool=0, balance="mse", percentile=99.9,
                         per_channel=False, radix_base=2, radix_digits=0, aug_bits=4, v0="half",
                         ridge=0.05, potential_scope="channel", encoder=None, seed=1, threads=0,
                         max_memory="8G", max_input_bytes="4G")


def convert(model, method="rate", timesteps=16, **options):
    """Converts a Model (or a model file) into a SpikingNetwork (`brisk convert`).

    options (the CLI's flags and defaults): calibrate="none"|"all"|"weights,bias,potential",
    calib_data="fashion-mnist:train" (a dataset spec, or samples: array, tensor, DataLoader),
    calib_samples=1000, calib_offset=0, calib_pool=0, balance="mse"|"percentile"|"max",
    percentile=99.9, per_channel=False, radix_base=2, radix_digits=0, aug_bits=4, v0="half",
    ridge=0.05, potential_scope="channel"|"neuron" (the V0 correction per channel or per
    neuron), encoder=None, seed=1, threads=0, max_memory="8G" (calibration's simulations),
    max_input_bytes="4G" (each array of the calibration pool).
    """
    unknown = set(options) - set(_CONVERT_DEFAULTS)
    if unknown:
        raise UsageError(f"convert: unknown option '{sorted(unknown)[0]}'")
    kw = dict(_CONVERT_DEFAULTS, **options, method=method, timesteps=timesteps)
    return SpikingNetwork(_brisk.convert(_model(model)._m, _conversion_options(kw)))


def load_network(path):
    """Reads a converted network written by `brisk convert` or SpikingNetwork.save()."""
    return SpikingNetwork(_brisk.load_network(os.fspath(path)))


class SpikingNetwork:
    """A converted network (what `brisk convert` writes and `brisk run` simulates)."""

    def __init__(self, native):
        self._n = native

    method = property(lambda self: self._n.method)
    timesteps = property(lambda self: self._n.timesteps, doc="T it was converted for (radix: K)")
    encoder = property(lambda self: self._n.encoder)
    seed = property(lambda self: self._n.seed)
    path = property(lambda self: self._n.path or None)
    provenance = property(lambda self: self._n.provenance)
    calibration = property(lambda self: self._n.calibration, doc="the calibration report (dict) or None")
    input_shape = property(lambda self: self._n.input_shape)
    layers = property(lambda self: self._n.layers(), doc="per layer: name, neuron, threshold, v0 (numpy), output_shape")

    def save(self, path, force=False):
        """Writes the network (brisk SNN HDF5, atomically; an existing file needs force=True)."""
        self._n.save(os.fspath(path), bool(force))
        return self

    def run(self, x, y=None, timesteps=None, threads=0, record=None, record_layers=None,
            record_samples=None, pj_ac=0.9, pj_mac=4.6, max_memory="8G", seed=None,
            record_membrane=False, count="events"):
        """Simulates the samples (`brisk run`): a RunResult.

        x: samples (N, C, H, W) or (N, features) as a numpy array or torch tensor (float32
        C-contiguous arrays are read in place), a DataLoader of (x, y) batches, or a dataset
        spec. y: labels (None: no accuracy, the rest is computed). timesteps: None = as
        converted. record: None, "rate" (mean output per neuron), "counts" (per sample and
        neuron) or "trains" (spike trains of record_samples, default the first 10);
        record_layers: layer names (default all). record_membrane (with record="trains"):
        also the potentials after every step, RunResult.membrane[layer][k] of shape
        (steps, neurons) for the k-th recorded sample (docs/recording.md). count: the SOP
        convention, "events" or "spikes" (`brisk run --count`); energy follows it.
        """
        xs, ys, label = _data(x, y)
        if record_layers is not None and isinstance(record_layers, str):
            record_layers = [record_layers]
        out = self._n.run(xs, ys, 0 if timesteps is None else int(timesteps), int(threads),
                          record or "none", list(record_layers or []),
                          [int(i) for i in (record_samples or [])], float(pj_ac), float(pj_mac),
                          _size(max_memory, "max-memory"), seed, label, bool(record_membrane), str(count))
        return RunResult(out)

    def summary(self):
        lines = [f"method {self.method}, T = {self.timesteps}, encoder {self.encoder}",
                 f"{'layer':<16} {'neuron':<11} {'threshold':<26} {'v0':<30}"]
        def rng(v, shape=()):
            # as `brisk convert` prints it: "(n neurons)" for one value per neuron of a layer
            # with more than one position per channel, else "(n ch)"
            if v.size == 0:
                return "-"
            lo, hi = float(v.min()), float(v.max())
            per_neuron = len(shape) > 1 and v.size == math.prod(shape) > shape[0]
            unit = "neurons" if per_neuron else "ch"
            return f"{lo:.4g}" if v.size == 1 or lo == hi else f"{lo:.4g}..{hi:.4g} ({v.size} {unit})"
        for layer in self.layers:
            if not layer["neuron"]:
                continue
            thr = "-" if layer["neuron"] == "readout" else rng(layer["threshold"])
            v0 = rng(layer["v0"], layer["output_shape"])
            lines.append(f"{layer['name']:<16} {layer['neuron']:<11} {thr:<26} {v0:<30}")
        return "\n".join(lines)

    def __repr__(self):
        return f"<brisk.SpikingNetwork {self.method}, T = {self.timesteps}, encoder {self.encoder}>"


class RunResult:
    """The figures of one simulation, as `brisk run --json` gives them, plus per-sample arrays.

    accuracy_at_step[t]: accuracy after t+1 steps (None without labels); accuracy: the last;
    predictions (N,), logits (N, classes); spikes_per_layer / sops_per_layer: per sample,
    by layer name; sample_spikes / sample_sops: per sample; energy: uJ per sample;
    mean_rate / counts / trains: the recordings asked for. json(): the CLI's JSON keys.
    """

    def __init__(self, out):
        j = out["json"]
        self._json = j
        self.samples = j["samples"]
        self.timesteps = j["timesteps"]
        self.latency_steps = j["latency_steps"]
        labelled = out["labelled"]
        self.accuracy_at_step = out["accuracy_at_step"] if labelled else None
        self.accuracy = j["snn_accuracy"] if labelled else None
        self.ann_accuracy = j.get("ann_accuracy")
        self.reference_accuracy = j.get("reference_accuracy")
        self.agreement = j.get("agreement_with_reference")
        self.predictions = out["predictions"]
        self.logits = out["logits"]
        self.layer_names = list(out["layers"])
        self.spikes = out["spikes"]
        self.sops = out["sops"]
        self.analog_macs = out["analog_macs"]
        self.spikes_per_layer = {l["name"]: l["spikes_per_sample"] for l in j["layers"]}
        self.sops_per_layer = {l["name"]: l["sops_per_sample"] for l in j["layers"]}
        self.spikes_per_sample = j["spikes_per_sample"]
        self.sops_per_sample = j["sops_per_sample"]
        self.sample_spikes = out["sample_spikes"]
        self.sample_sops = out["sample_sops"]
        self.energy = {"snn_uj": j["snn_energy_uj_per_sample"], "ann_uj": j["ann_energy_uj_per_sample"],
                       "pj_per_ac": j["energy_model"]["pj_per_ac"],
                       "pj_per_mac": j["energy_model"]["pj_per_mac"]}
        self.seconds = j["seconds"]
        self.images_per_second = j["images_per_second"]
        self.mean_rate = out["mean_rate"]
        self.counts = out["counts"]
        self.trains = out.get("trains", {})
        self.train_samples = out.get("trained_samples")
        self.membrane = out.get("membrane", {})
        self.sop_convention = j["sop_convention"]

    def json(self):
        """The keys and values of `brisk run --json` for this run."""
        import copy
        return copy.deepcopy(self._json)

    def __repr__(self):
        acc = "no labels" if self.accuracy is None else f"accuracy {100 * self.accuracy:.2f}%"
        return (f"<brisk.RunResult {self.samples} samples, {acc}, {self.spikes_per_sample:.0f} spikes "
                f"and {self.sops_per_sample:.0f} SOPs per sample, {self.energy['snn_uj']:.3f} uJ>")


# ---- sweep ----------------------------------------------------------------------------------

def sweep(model, data, y=None, methods=("rate", "termap", "augmap", "radix"),
          stages=("none", "bias", "potential", "weights", "bias+potential", "all"),
          timesteps=(4, 8, 16, 32), aug_timesteps=(1, 2, 4), out=None, force=False, pj_ac=0.9,
          pj_mac=4.6, max_memory="8G", count="events", **options):
    """`brisk sweep`: every method x calibration stage x T on one dataset. Returns the runs
    as a list of dicts (pandas.DataFrame(rows) works). out=DIR also writes the result
    folder DIR (results.md, .csv, .json and the plots results.png / .svg), like the CLI's --out. options: those
    of convert() (method, timesteps and calibrate are the lists above). count: the SOP
    convention of the rows' SOPs and energy, "events" or "spikes" (the CLI's --count).
    """
    unknown = set(options) - set(_CONVERT_DEFAULTS)
    if unknown or "calibrate" in options:
        raise UsageError(f"sweep: unknown option '{sorted(unknown or {'calibrate'})[0]}'")
    xs, ys, label = _data(data, y, what="data")
    if ys is None:
        raise UsageError("sweep: labels are needed (y, or a DataLoader of (x, y) batches)")
    if isinstance(methods, str):
        methods = methods.split(",")
    if isinstance(stages, str):
        stages = stages.split(",")
    kw = _conversion_options(dict(_CONVERT_DEFAULTS, **options, max_memory=max_memory))
    result, plots = _brisk.sweep(_model(model)._m, xs, ys, kw, list(methods), list(stages),
                                 [int(t) for t in timesteps], [int(t) for t in aug_timesteps],
                                 float(pj_ac), float(pj_mac), _size(max_memory, "max-memory"),
                                 "" if out is None else os.fspath(out), bool(force), label, str(count))
    if out is not None and plots:
        warnings.warn(f"brisk: plots not written ({plots})")
    rows = []
    for run in result["runs"]:
        row = {"model": result["model"], "data": result["data"], "samples": result["samples"]}
        row.update({k: v for k, v in run.items() if k != "calibration_report"})
        rows.append(row)
    return rows
