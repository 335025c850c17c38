"""PyTorch -> "brisk ANN HDF5" exporter (schema: docs/native-schema.md, version 1).

Part of the `brisk` Python package (apps/python/brisk); tools/brisk_torch.py is its
command-line entry point and re-exports these names for scripts:

    from brisk_torch import export_model, ClipFloor, QCFS  # with tools/ on sys.path
    from brisk.exporter import export_model, ClipFloor     # with the package on sys.path
    export_model(model, "net.h5", input_shape=(1, 28, 28), metadata={"dataset": "fashion-mnist"})

Supports nn.Sequential and torch.fx-traceable models built from Conv2d, Linear, ReLU, ReLU6,
Hardtanh(0, m), clamp(0, m), AvgPool2d, MaxPool2d, AdaptiveAvgPool2d(1), BatchNorm1d/2d,
Flatten, Dropout, Identity, residual `+`, torch.cat(dim=1), ClipFloor and QCFS (below), and
the functional forms F.relu, F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d. Anything
else raises ValueError naming the node. Run with /usr/bin/python3 (Debian's torch and h5py).

CLI:
    brisk_torch.py export MODEL.pt OUT.h5 --input-shape 1,28,28   (MODEL.pt: torch.save(model))
    brisk_torch.py show FILE.h5
"""
import argparse
import math
import operator
import sys

import h5py
import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

SCHEMA_NAME = "brisk-ann"
SCHEMA_VERSION = 1


class _ClipFloorFn(torch.autograd.Function):
    """clamp(floor(x * 2^K / m), 0, 2^K - 1) * m / 2^K forward; the clipped-ReLU gradient
    (1 on [0, m], 0 elsewhere) backward, i.e. a straight-through estimator of the floor."""

    @staticmethod
    def forward(ctx, x, levels, max_value):
        ctx.save_for_backward(x)
        ctx.max_value = max_value
        # Same operation order as brisk's forward (core/graph/forward.cpp): x*2^K/m, floor, clamp,
        # then *m/2^K, all in the tensor's dtype.
        q = torch.clamp(torch.floor(x * levels / max_value), 0.0, levels - 1.0)
        return q * max_value / levels

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = (x >= 0) & (x <= ctx.max_value)
        return grad * inside.to(grad.dtype), None, None


class ClipFloor(nn.Module):
    """K-bit clip-floor activation for ANNs trained for radix coding.

    forward: clamp(floor(x * 2^K / m), 0, 2^K - 1) * m / 2^K, straight-through gradient.
    Exported as a ClippedReLU with act_max = m and act_bits = K.
    """

    def __init__(self, bits: int, max_value: float = 1.0):
        super().__init__()
        if int(bits) < 1 or int(bits) > 24:
            raise ValueError(f"ClipFloor: bits must be in [1, 24], got {bits}")
        if not (max_value > 0 and math.isfinite(max_value)):
            raise ValueError(f"ClipFloor: max_value must be positive and finite, got {max_value}")
        self.bits = int(bits)
        # Stored rounded to float32 so torch and the exported file use the same ceiling.
        self.max_value = float(np.float32(max_value))

    def forward(self, x):
        return _ClipFloorFn.apply(x, float(2 ** self.bits), self.max_value)

    def extra_repr(self):
        return f"bits={self.bits}, max_value={self.max_value}"


def _is_clip_floor(m):
    """ClipFloor, also when its class comes from another load of this file (tools/brisk_torch.py
    loads it by path, the package as brisk.exporter: two classes of the same name)."""
    return isinstance(m, ClipFloor) or (type(m).__name__ == "ClipFloor" and hasattr(m, "bits")
                                        and hasattr(m, "max_value"))


# ---- QCFS (issue 9: quantization clip-floor-shift activation) -----------------------------

class _FloorSTE(torch.autograd.Function):
    """floor forward, identity backward (the straight-through estimator of Bu et al.'s
    GradFloor)."""

    @staticmethod
    def forward(ctx, x):
        return torch.floor(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class QCFS(nn.Module):
    """QCFS activation (Bu et al., ICLR 2022), for ANNs converted to IF SNNs at short T.

    forward: h(x) = λ/L * clamp(floor(x * L / λ + 1/2), 0, L), computed as in the paper's code
    (and in brisk, core/graph/forward.cpp, in the same float32 order):
        t = clamp(x / λ, 0, 1);  h = floor(t * L + 0.5) / L * λ
    λ (`threshold`) is a trainable parameter per layer, initialised to init_threshold. The
    floor has a straight-through gradient, so dh/dx = 1 for 0 < x < λ (0 outside) and
    dh/dλ = h/λ - x/λ inside the range, 1 above it, 0 below (autograd through the lines above).
    Exported as activation 'qcfs' with act_levels = L and act_max = λ.
    """

    def __init__(self, levels: int, init_threshold: float = 8.0):
        super().__init__()
        if int(levels) != levels or int(levels) < 1 or int(levels) > 2 ** 24:
            raise ValueError(f"QCFS: levels must be an integer in [1, 2^24], got {levels}")
        if not (init_threshold > 0 and math.isfinite(init_threshold)):
            raise ValueError(f"QCFS: init_threshold must be positive and finite, got {init_threshold}")
        self.levels = int(levels)
        self.threshold = nn.Parameter(torch.tensor(float(init_threshold), dtype=torch.float32))

    def forward(self, x):
        t = torch.clamp(x / self.threshold, 0.0, 1.0)
        return _FloorSTE.apply(t * self.levels + 0.5) / self.levels * self.threshold

    def extra_repr(self):
        return f"levels={self.levels}, threshold={float(self.threshold):.4g}"


def _is_qcfs(m):
    """QCFS, also when its class comes from another load of this file (see _is_clip_floor)."""
    return isinstance(m, QCFS) or (type(m).__name__ == "QCFS" and hasattr(m, "levels")
                                   and hasattr(m, "threshold"))


def _export_qcfs(exporter, node, m, src):
    """Writes a QCFS module as a stand-alone 'qcfs' Activation (levels and threshold)."""
    lam = float(m.threshold.detach().reshape(()))
    if not (lam > 0 and math.isfinite(lam)):
        exporter.fail(node, f"QCFS threshold {lam} is not positive and finite")
    exporter.add(node, "Activation", [src], type(m).__name__, activation="qcfs",
                 act_max=np.float32(lam), act_levels=np.int32(m.levels))

# ---- end QCFS ------------------------------------------------------------------------------


# ---- functional pooling (issue 9: models written with torch.nn.functional) ----------------

def _functional_pool_module(node):
    """The nn.MaxPool2d / nn.AvgPool2d equivalent of an F.max_pool2d / F.avg_pool2d call
    (positional and keyword arguments as torch's signatures), or None for other calls."""
    f, args, kw = node.target, node.args, node.kwargs

    def arg(i, name, default):
        return kw.get(name, args[i] if len(args) > i else default)

    if f is F.max_pool2d:
        if arg(6, "return_indices", False):
            raise ValueError(f"brisk_torch: node '{node.name}': max_pool2d with return_indices")
        return nn.MaxPool2d(arg(1, "kernel_size", None), stride=arg(2, "stride", None),
                            padding=arg(3, "padding", 0), dilation=arg(4, "dilation", 1),
                            ceil_mode=arg(5, "ceil_mode", False))
    if f is F.avg_pool2d:
        return nn.AvgPool2d(arg(1, "kernel_size", None), stride=arg(2, "stride", None),
                            padding=arg(3, "padding", 0), ceil_mode=arg(4, "ceil_mode", False),
                            count_include_pad=arg(5, "count_include_pad", True),
                            divisor_override=arg(6, "divisor_override", None))
    return None

# ---- end functional pooling ----------------------------------------------------------------


class _Tracer(torch.fx.Tracer):
    """Keeps ClipFloor and QCFS as one node each (their autograd Functions are not traceable)."""

    def is_leaf_module(self, m, qualname):
        return _is_clip_floor(m) or _is_qcfs(m) or super().is_leaf_module(m, qualname)


def _pair(v):
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


class _Exporter:
    def __init__(self, model, input_shape):
        self.model = model
        self.input_shape = tuple(int(d) for d in input_shape)
        self.layers = []      # dicts in topological order
        self.alias = {}       # fx node name -> layer name (identity ops map to their input)
        self.shapes = {}      # fx node name -> per-sample shape

    # -- helpers ---------------------------------------------------------------------------
    def fail(self, node, what):
        raise ValueError(f"brisk_torch: node '{node.name}' ({node.op} {node.target}): {what}")

    def src(self, node, arg):
        if not isinstance(arg, torch.fx.Node) or arg.name not in self.alias:
            self.fail(node, f"input {arg!r} is not a traced tensor")
        return self.alias[arg.name]

    def add(self, node, type_, inputs, source_class, **attrs):
        layer = {"name": node.name, "type": type_, "inputs": inputs,
                 "source_class": source_class, "attrs": attrs, "data": {}}
        self.layers.append(layer)
        self.alias[node.name] = node.name
        return layer

    def activation(self, node, src, cls, kind, act_max=None, bits=0):
        attrs = {"activation": kind}
        if act_max is not None:
            attrs["act_max"] = np.float32(act_max)
        if bits:
            attrs["act_bits"] = np.int32(bits)
        self.add(node, "Activation", [src], cls, **attrs)

    def clip(self, node, src, cls, lo, hi):
        lo = 0.0 if lo is None else float(lo)
        if lo != 0.0:
            self.fail(node, f"clamp/hardtanh with lower bound {lo} (only 0 is supported)")
        if hi is None or math.isinf(hi):
            self.activation(node, src, cls, "relu")
        else:
            self.activation(node, src, cls, "clipped_relu", act_max=hi)

    # -- modules ---------------------------------------------------------------------------
    def module(self, node, m):
        src = self.src(node, node.args[0])
        cls = type(m).__name__
        in_shape = self.shapes[node.args[0].name]
        if isinstance(m, (nn.Dropout, nn.Dropout2d, nn.Identity)):
            self.alias[node.name] = src
        elif isinstance(m, nn.Conv2d):
            self.conv(node, m, src)
        elif isinstance(m, nn.Linear):
            if len(in_shape) != 1:
                self.fail(node, f"Linear on a {len(in_shape)}-d input (flatten first)")
            layer = self.add(node, "Dense", [src], cls)
            layer["data"]["weight"] = m.weight.detach().double().numpy().T
            if m.bias is not None:
                layer["data"]["bias"] = m.bias.detach().double().numpy()
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            self.batchnorm(node, m, src)
        elif isinstance(m, nn.ReLU):
            self.activation(node, src, cls, "relu")
        elif isinstance(m, nn.ReLU6):
            self.activation(node, src, cls, "clipped_relu", act_max=6.0)
        elif isinstance(m, nn.Hardtanh):
            self.clip(node, src, cls, m.min_val, m.max_val)
        elif _is_clip_floor(m):
            self.activation(node, src, cls, "clipped_relu", act_max=m.max_value, bits=m.bits)
        elif _is_qcfs(m):
            _export_qcfs(self, node, m, src)
        elif isinstance(m, nn.Softmax):
            self.activation(node, src, cls, "softmax")
        elif isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
            self.pool(node, m, src)
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            self.global_pool(node, src, cls, m.output_size, in_shape)
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                self.fail(node, "Flatten other than start_dim=1, end_dim=-1")
            self.add(node, "Flatten", [src], cls, flatten_order="CHW")
        else:
            self.fail(node, f"unsupported module class {cls}")

    def conv(self, node, m, src):
        if m.groups != 1 or _pair(m.dilation) != (1, 1):
            self.fail(node, "grouped or dilated convolution")
        if m.padding_mode != "zeros":
            self.fail(node, f"padding_mode '{m.padding_mode}'")
        kh, kw = _pair(m.kernel_size)
        if isinstance(m.padding, str):
            if m.padding == "valid":
                pads = (0, 0, 0, 0)
            else:  # 'same' (stride 1): PyTorch puts the odd pixel at the bottom/right
                pads = ((kh - 1) // 2, kh - 1 - (kh - 1) // 2, (kw - 1) // 2, kw - 1 - (kw - 1) // 2)
        else:
            ph, pw = _pair(m.padding)
            pads = (ph, ph, pw, pw)
        layer = self.add(node, "Conv2D", [src], type(m).__name__, kernel=np.int32([kh, kw]),
                         stride=np.int32(_pair(m.stride)), pads=np.int32(pads))
        layer["data"]["weight"] = m.weight.detach().double().numpy()
        if m.bias is not None:
            layer["data"]["bias"] = m.bias.detach().double().numpy()

    def batchnorm(self, node, m, src):
        if m.running_mean is None or m.running_var is None:
            self.fail(node, "BatchNorm without running statistics (track_running_stats=False)")
        var = m.running_var.detach().double()
        scale = 1.0 / torch.sqrt(var + m.eps)
        if m.weight is not None:
            scale = scale * m.weight.detach().double()
        shift = -m.running_mean.detach().double() * scale
        if m.bias is not None:
            shift = shift + m.bias.detach().double()
        layer = self.add(node, "Affine", [src], type(m).__name__)
        layer["data"]["scale"] = scale.numpy()
        layer["data"]["shift"] = shift.numpy()

    def pool(self, node, m, src):
        cls = type(m).__name__
        if m.ceil_mode:
            self.fail(node, "ceil_mode=True")
        kh, kw = _pair(m.kernel_size)
        sh, sw = _pair(m.stride if m.stride is not None else m.kernel_size)
        ph, pw = _pair(m.padding)
        attrs = dict(kernel=np.int32([kh, kw]), stride=np.int32([sh, sw]),
                     pads=np.int32([ph, ph, pw, pw]))
        if isinstance(m, nn.AvgPool2d):
            if m.divisor_override is not None:
                self.fail(node, "divisor_override")
            self.add(node, "AvgPool2D", [src], cls, count_include_pad=np.int32(m.count_include_pad),
                     **attrs)
        else:
            if _pair(m.dilation) != (1, 1):
                self.fail(node, "dilated max pooling")
            self.add(node, "MaxPool2D", [src], cls, **attrs)

    def global_pool(self, node, src, cls, output_size, in_shape):
        if _pair(output_size) != (1, 1) or len(in_shape) != 3:
            self.fail(node, f"adaptive pooling to {output_size} (only 1 is supported)")
        _, h, w = in_shape
        # A full-window average keeps PyTorch's {C,1,1} shape for the Flatten that follows.
        self.add(node, "AvgPool2D", [src], cls, kernel=np.int32([h, w]), stride=np.int32([h, w]),
                 pads=np.int32([0, 0, 0, 0]), count_include_pad=np.int32(1))

    # -- functions and methods -------------------------------------------------------------
    def function(self, node):
        f, args, kw = node.target, node.args, node.kwargs
        name = getattr(f, "__name__", str(f))
        if f in (operator.add, operator.iadd, torch.add) or (node.op == "call_method" and f == "add"):
            if len(args) != 2 or not all(isinstance(a, torch.fx.Node) for a in args):
                self.fail(node, "addition of something other than two tensors")
            self.add(node, "Add", [self.src(node, args[0]), self.src(node, args[1])], "add")
        elif f is torch.cat:
            dim = kw.get("dim", args[1] if len(args) > 1 else 0)
            if dim not in (1, -3 if len(self.shapes[node.name]) == 3 else 1):
                self.fail(node, f"torch.cat along dim {dim} (only the channel dim 1)")
            self.add(node, "Concat", [self.src(node, a) for a in args[0]], "cat")
        elif f in (torch.flatten,) or f == "flatten":
            start = kw.get("start_dim", args[1] if len(args) > 1 else (0 if f is torch.flatten else 0))
            if start != 1:
                self.fail(node, "flatten other than from dim 1")
            self.add(node, "Flatten", [self.src(node, args[0])], "flatten", flatten_order="CHW")
        elif f in ("view", "reshape") or f is torch.reshape:
            src = self.src(node, args[0])
            out = self.shapes[node.name]
            if len(out) == 1:
                self.add(node, "Flatten", [src], name, flatten_order="CHW")
            else:
                self.add(node, "Reshape", [src], name, flatten_order="CHW",
                         target_shape=np.int32(out))
        elif f in (torch.relu, F.relu) or f == "relu":
            self.activation(node, self.src(node, args[0]), "relu", "relu")
        elif f is F.relu6:
            self.activation(node, self.src(node, args[0]), "relu6", "clipped_relu", act_max=6.0)
        elif f is F.hardtanh:
            lo = kw.get("min_val", args[1] if len(args) > 1 else -1.0)
            hi = kw.get("max_val", args[2] if len(args) > 2 else 1.0)
            self.clip(node, self.src(node, args[0]), "hardtanh", lo, hi)
        elif f is torch.clamp or f == "clamp":
            lo = kw.get("min", args[1] if len(args) > 1 else None)
            hi = kw.get("max", args[2] if len(args) > 2 else None)
            self.clip(node, self.src(node, args[0]), "clamp", lo, hi)
        elif f is F.dropout or f in ("contiguous",):
            self.alias[node.name] = self.src(node, args[0])
        elif _functional_pool_module(node) is not None:
            m = _functional_pool_module(node)
            self.pool(node, m, self.src(node, args[0]))
        elif f is F.adaptive_avg_pool2d:
            size = kw.get("output_size", args[1] if len(args) > 1 else None)
            self.global_pool(node, self.src(node, args[0]), "adaptive_avg_pool2d", size,
                             self.shapes[args[0].name])
        else:
            self.fail(node, f"unsupported operation {name}")

    # -- driver ----------------------------------------------------------------------------
    def run(self):
        graph_module = torch.fx.GraphModule(self.model, _Tracer().trace(self.model))
        sample = torch.zeros((1,) + self.input_shape)
        ShapeProp(graph_module).propagate(sample)
        output_name = None
        for node in graph_module.graph.nodes:
            meta = node.meta.get("tensor_meta")
            if hasattr(meta, "shape"):
                self.shapes[node.name] = tuple(int(d) for d in meta.shape[1:])
            if node.op == "placeholder":
                if output_name is not None or self.layers:
                    self.fail(node, "more than one input")
                self.add(node, "Input", [], "Input")
            elif node.op == "call_module":
                self.module(node, graph_module.get_submodule(node.target))
            elif node.op in ("call_function", "call_method"):
                if node.op == "call_method" and node.target == "size":
                    continue  # shape arithmetic feeding a view; the view uses traced shapes
                self.function(node)
            elif node.op == "output":
                out = node.args[0]
                if not isinstance(out, torch.fx.Node):
                    self.fail(node, "the model must return one tensor")
                output_name = self.src(node, out)
            else:
                self.fail(node, "unsupported node kind (parameters used as values?)")
        return output_name


def _strings(values):
    return np.array([str(v) for v in values], dtype=h5py.string_dtype())


def describe_model(model: nn.Module, input_shape: tuple, metadata: dict | None = None) -> dict:
    """The brisk ANN HDF5 file of `model` (in eval mode) as an in-memory description.

    {"objects": {path: {attribute: value}}, "datasets": {path: float32 array}}: the HDF5
    objects export_model() writes ("" is the root, "layers/<name>" a layer), their
    attributes (str, list of str, numpy numbers) and datasets. brisk.from_torch() hands it
    to the native reader without a file; export_model() writes exactly this.
    input_shape is the per-sample shape, channels first: (C, H, W) or (N,).
    metadata: extra string key/values stored under /metadata.
    """
    if len(input_shape) not in (1, 3):
        raise ValueError(f"export_model: input_shape must be (C, H, W) or (N,), got {input_shape}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            exporter = _Exporter(model, input_shape)
            output = exporter.run()
    finally:
        model.train(was_training)
    layers = exporter.layers
    objects = {"": {"brisk_format": SCHEMA_NAME,
                    "schema_version": np.int32(SCHEMA_VERSION),
                    "input_shape": np.int32(input_shape),
                    "layer_names": [l["name"] for l in layers],
                    "output": output}}
    meta = {"producer": "brisk_torch", "torch_version": str(torch.__version__),
            "model_class": type(model).__name__}
    for key, value in (metadata or {}).items():
        meta[str(key)] = str(value)
    objects["metadata"] = meta
    objects["layers"] = {}
    datasets = {}
    for l in layers:
        attrs = {"type": l["type"], "source_class": l["source_class"], "inputs": list(l["inputs"])}
        attrs.update(l["attrs"])
        objects["layers/" + l["name"]] = attrs
        for key, value in l["data"].items():
            datasets[f"layers/{l['name']}/{key}"] = np.ascontiguousarray(value, dtype=np.float32)
    return {"objects": objects, "datasets": datasets}


def write_description(description: dict, path: str):
    """Writes a describe_model() description as a brisk ANN HDF5 file."""
    with h5py.File(path, "w") as f:
        for obj, attrs in description["objects"].items():
            target = f if obj == "" else f.require_group(obj)
            for key, value in attrs.items():
                target.attrs[key] = _strings(value) if isinstance(value, list) else value
        for name, value in description["datasets"].items():
            f.create_dataset(name, data=value)
    return path


def export_model(model: nn.Module, path: str, input_shape: tuple, metadata: dict | None = None):
    """Writes `model` (in eval mode) to `path` in the brisk ANN HDF5 schema.

    input_shape is the per-sample shape, channels first: (C, H, W) or (N,).
    metadata: extra string key/values stored under /metadata.
    """
    return write_description(describe_model(model, input_shape, metadata), path)


# -- bitwise (binary / ternary) networks: docs/native-schema.md, "Bitwise layers" ----------

def batchnorm_affine(bn):
    """(scale, shift) in float64 of an eval-mode BatchNorm: y = x * scale + shift."""
    var = bn.running_var.detach().double()
    scale = 1.0 / torch.sqrt(var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach().double()
    shift = -bn.running_mean.detach().double() * scale
    if bn.bias is not None:
        shift = shift + bn.bias.detach().double()
    return scale.numpy(), shift.numpy()


def _bitwise_thresholds(entry, fan_in):
    """Integer thresholds on the integer pre-activation z of a hidden bitwise layer.

    The layer's real pre-activation is r = scale[o] * unit * z[o] (unit: the input's step,
    1/levels for the first layer, 1 for +-1/0 inputs); batch norm gives y = bn_s * r + bn_t.
    Binary: +1 iff y >= 0; ternary: +1 iff y >= delta, -1 iff y <= -delta. With
    k = bn_s * scale * unit > 0 these are z >= ceil((delta - bn_t) / k) and
    z <= floor((-delta - bn_t) / k); an output channel with k < 0 gets its weights negated
    (z -> -z) so that k > 0. Returns (weight, latent, hi, lo) with weight/latent [in][out].
    """
    w = np.array(entry["weight"], dtype=np.float64).T.copy()      # [in][out]
    lat = np.array(entry["latent"], dtype=np.float64).T.copy()
    bn_s, bn_t = entry["bn"]
    k = bn_s * entry["scale"] * entry["input_unit"]
    flip = k < 0
    w[:, flip] *= -1.0
    lat[:, flip] *= -1.0
    k = np.abs(k)
    delta = entry["delta"]
    bound = float(fan_in * max(1, entry["input_levels"]) + 2)   # |z| <= bound - 2
    hi = np.empty_like(k)
    lo = np.empty_like(k)
    for o in range(len(k)):
        if k[o] == 0.0:  # constant output: +1 when bn_t >= delta, -1 when <= -delta, else 0
            hi[o] = -bound if bn_t[o] >= delta else bound
            lo[o] = bound - 1 if (delta > 0 and bn_t[o] <= -delta) or (delta == 0 and bn_t[o] < 0) \
                else -bound - 1
            if hi[o] <= lo[o]:
                lo[o] = hi[o] - 1
            continue
        hi[o] = math.ceil((delta - bn_t[o]) / k[o])
        lo[o] = math.floor((-delta - bn_t[o]) / k[o]) if delta > 0 else hi[o] - 1
    hi = np.clip(hi, -bound, bound)
    lo = np.clip(lo, -bound - 1, bound - 1)
    return w, lat, hi, lo


def _dyadic(values, shift):
    return np.rint(np.asarray(values, dtype=np.float64) * 2.0 ** shift)


def export_bitwise_mlp(layers, path, input_shape, metadata=None):
    """Writes a binary/ternary MLP (Input -> Flatten -> bitwise Dense layers) to `path`.

    layers: dicts in order, each with name, mode ("binary" | "ternary"), weight [out][in] in
    the alphabet, scale [out] (> 0), latent [out][in] in [-1, 1] (for stochastic ensembles),
    input_levels (first layer: 255, the input is round(x * 255); else 0); hidden layers also
    bn = (scale, shift) of their batch norm, delta (the activation's boundary, 0 for sign)
    and input_unit; the last layer (the readout) bias [out]. The readout's scale and bias are
    rounded to multiples of 2^-s (s chosen so that |scale * z| + |bias| < 2^23 units), which
    makes its float32 logits exact. Returns the exported integer network as a list of dicts
    (weight [in][out], hi, lo or scale/bias, levels) for bitwise_mlp_reference().
    """
    exported = []
    for i, e in enumerate(layers):
        w = np.asarray(e["weight"], dtype=np.float64)
        fan_in = w.shape[1]
        alphabet = (-1.0, 1.0) if e["mode"] == "binary" else (-1.0, 0.0, 1.0)
        if not np.isin(w, alphabet).all():
            raise ValueError(f"export_bitwise_mlp: {e['name']}: weights outside {alphabet}")
        rec = dict(name=e["name"], mode=e["mode"], levels=int(e["input_levels"]))
        if i + 1 < len(layers):
            rec["weight"], rec["latent"], rec["hi"], rec["lo"] = _bitwise_thresholds(e, fan_in)
            rec["scale"] = np.asarray(e["scale"], dtype=np.float64)
        else:
            scale = np.asarray(e["scale"], dtype=np.float64)
            bias = np.asarray(e["bias"], dtype=np.float64)
            top = float(np.max(scale) * fan_in + np.max(np.abs(bias)))
            shift = int(math.floor(math.log2(2.0 ** 23 / top)))
            rec["weight"] = w.T.copy()
            rec["latent"] = np.asarray(e["latent"], dtype=np.float64).T.copy()
            rec["scale_int"] = _dyadic(scale, shift)
            rec["bias_int"] = _dyadic(bias, shift)
            if (rec["scale_int"] <= 0).any():
                raise ValueError(f"export_bitwise_mlp: {e['name']}: a scale rounds to 0")
            rec["shift"] = shift
            rec["scale"] = rec["scale_int"] / 2.0 ** shift
            rec["bias"] = rec["bias_int"] / 2.0 ** shift
        exported.append(rec)

    names = ["input", "flatten"] + [r["name"] for r in exported]
    with h5py.File(path, "w") as f:
        f.attrs["brisk_format"] = SCHEMA_NAME
        f.attrs["schema_version"] = np.int32(SCHEMA_VERSION)
        f.attrs["input_shape"] = np.int32(input_shape)
        f.attrs["layer_names"] = _strings(names)
        f.attrs["output"] = names[-1]
        meta = f.create_group("metadata")
        meta.attrs["producer"] = "brisk_torch.export_bitwise_mlp"
        meta.attrs["torch_version"] = str(torch.__version__)
        for key, value in (metadata or {}).items():
            meta.attrs[str(key)] = str(value)
        group = f.create_group("layers")
        g = group.create_group("input")
        g.attrs["type"] = "Input"
        g.attrs["inputs"] = _strings([])
        g = group.create_group("flatten")
        g.attrs["type"] = "Flatten"
        g.attrs["inputs"] = _strings(["input"])
        g.attrs["flatten_order"] = "CHW"
        prev = "flatten"
        for r in exported:
            g = group.create_group(r["name"])
            g.attrs["type"] = "Dense"
            g.attrs["source_class"] = "BitLinear"
            g.attrs["inputs"] = _strings([prev])
            g.attrs["bitwise"] = r["mode"]
            if r["levels"]:
                g.attrs["input_levels"] = np.int32(r["levels"])
            g.create_dataset("weight", data=r["weight"].astype(np.float32))
            g.create_dataset("weight_scale", data=r["scale"].astype(np.float32))
            g.create_dataset("latent_weight", data=r["latent"].astype(np.float32))
            if "hi" in r:
                g.create_dataset("threshold_hi", data=r["hi"].astype(np.float32))
                if r["mode"] == "ternary":
                    g.create_dataset("threshold_lo", data=r["lo"].astype(np.float32))
            else:
                g.create_dataset("bias", data=r["bias"].astype(np.float32))
            prev = r["name"]
    return exported


def bitwise_mlp_reference(exported, xi, return_preact=False):
    """The exported integer network in numpy int64 (xi: [N][784] pixel integers).

    Returns logits in units of 2^-shift (int64), and with return_preact the integer
    pre-activation z of every layer."""
    a = np.asarray(xi, dtype=np.int64)
    pre = []
    for r in exported:
        z = a @ r["weight"].astype(np.int64)
        pre.append(z)
        if "hi" in r:
            hi = r["hi"].astype(np.int64)
            if r["mode"] == "binary":
                a = np.where(z >= hi, 1, -1)
            else:
                lo = r["lo"].astype(np.int64)
                a = (z >= hi).astype(np.int64) - (z <= lo).astype(np.int64)
        else:
            logits = z * r["scale_int"].astype(np.int64) + r["bias_int"].astype(np.int64)
    return (logits, pre) if return_preact else logits


def read_model(path):
    """The five-line h5py reader of docs/native-schema.md, as a list of layer dicts."""
    with h5py.File(path, "r") as f:
        return [dict(name=n, **{k: v for k, v in f["layers"][n].attrs.items()},
                     **{k: f["layers"][n][k][()] for k in f["layers"][n]})
                for n in f.attrs["layer_names"].astype(str)]


def _main(argv):
    parser = argparse.ArgumentParser(prog="brisk_torch.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="export a torch.save()d nn.Module")
    exp.add_argument("model", help="file written by torch.save(model)")
    exp.add_argument("out", help="output .h5")
    exp.add_argument("--input-shape", required=True, help="per-sample shape, e.g. 1,28,28")
    show = sub.add_parser("show", help="print the layers of a brisk ANN HDF5 file")
    show.add_argument("file")
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            model = torch.load(args.model, map_location="cpu")
            shape = tuple(int(s) for s in args.input_shape.split(","))
            export_model(model, args.out, shape)
            print(f"wrote {args.out}")
        else:
            for layer in read_model(args.file):
                print(layer["name"], layer["type"],
                      {k: (v.shape if isinstance(v, np.ndarray) and v.dtype == np.float32 else v)
                       for k, v in layer.items() if k not in ("name", "type")})
    except (ValueError, OSError, RuntimeError) as e:
        print(f"brisk_torch: error: {e}", file=sys.stderr)
        return 1
    return 0
