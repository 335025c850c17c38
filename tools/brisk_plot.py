#!/usr/bin/python3
"""Plots of a `brisk sweep` result: PREFIX.json -> PREFIX.png and PREFIX.svg (and of a
`brisk diagnose --json` file: per-layer error and correlation).

Panel (a): SNN accuracy vs timesteps T (log2 axis); panel (b): SNN accuracy vs synaptic
operations per image (log10 axis). One series per method and calibration stage (radix runs
once and is drawn as a marker at its latency); the ANN accuracy is a dashed horizontal line.

usage: brisk_plot.py PREFIX.json [OUTPUT_PREFIX]
The output prefix defaults to the input path without its .json suffix. Each figure is
written to a temporary file next to its destination, then renamed over it.
"""
import json
import math
import os
import sys
import tempfile


def load_runs(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    runs = doc.get("runs")
    if not isinstance(runs, list):
        raise ValueError(f"{path}: no 'runs' list")
    return doc, runs


def series_of(runs):
    """{name: (is_radix, [(T, sops, accuracy %)])} in first-appearance order."""
    series = {}
    for r in runs:
        method = str(r["method"])
        radix = method == "radix"
        name = method if radix else f"{method}, calibration: {r['calibration']}"
        t = float(r["latency"] if radix else r["timesteps"])
        point = (t, float(r["sops_per_sample"]), 100.0 * float(r["snn_accuracy"]))
        series.setdefault(name, (radix, []))[1].append(point)
    return series


def si_label(v, _pos=None):
    """Tick text: 20k, 1.5M, 2G; small values as they are."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return f"{v / scale:g}{suffix}"
    return f"{v:g}"


def finite_positive(v):
    return math.isfinite(v) and v > 0


def plot(doc, runs, out_prefix):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    plt.rcParams.update({
        "font.family": "serif",
        "font.serif": ["DejaVu Serif", "Times New Roman", "Times", "serif"],
        "mathtext.fontset": "dejavuserif",
        "font.size": 7,
        "axes.titlesize": 7,
        "axes.labelsize": 7,
        "legend.fontsize": 6,
        "xtick.labelsize": 6,
        "ytick.labelsize": 6,
        "axes.linewidth": 0.6,
        "lines.linewidth": 1.0,
        "lines.markersize": 3,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",
        "svg.hashsalt": "brisk",
    })

    series = series_of(runs)
    radix_any = any(radix for radix, _ in series.values())
    legend_rows = math.ceil((len(series) + 1) / 3)
    legend_in = 0.12 * legend_rows + 0.08
    fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(7.0, 2.6 + legend_in))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, (radix, pts)) in enumerate(series.items()):
        style = dict(color=colors[i % len(colors)], label=name, marker="o")
        if radix:
            style.update(linestyle="none", marker="D")
        by_t = sorted((t, a) for t, _, a in pts if finite_positive(t) and math.isfinite(a))
        by_s = sorted((s, a) for _, s, a in pts if finite_positive(s) and math.isfinite(a))
        if by_t:
            ax_t.plot(*zip(*by_t), **style)
        if by_s:
            ax_s.plot(*zip(*by_s), **style)

    ann = [float(r["ann_accuracy"]) for r in runs if "ann_accuracy" in r]
    if ann and math.isfinite(ann[0]):
        for ax in (ax_t, ax_s):
            ax.axhline(100.0 * ann[0], color="0.35", linestyle="--", linewidth=0.8,
                       label=f"ANN accuracy ({100.0 * ann[0]:.2f}%)")

    ax_t.set_xscale("log", base=2)
    ax_t.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax_t.xaxis.set_minor_formatter(NullFormatter())
    ax_t.set_xlabel("timesteps T (radix: latency in steps)" if radix_any else "timesteps T")
    ax_t.set_title("(a) accuracy vs spike-train length", loc="left")
    ax_s.set_xscale("log", base=10)
    ax_s.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax_s.xaxis.set_major_formatter(FuncFormatter(si_label))
    ax_s.xaxis.set_minor_formatter(NullFormatter())
    ax_s.set_xlabel("synaptic operations per image (SOPs)")
    ax_s.set_title("(b) accuracy vs synaptic operations", loc="left")
    for ax in (ax_t, ax_s):
        ax.set_ylabel("SNN accuracy (%)")
        ax.tick_params(direction="out", length=2.5)
    handles, labels = ax_t.get_legend_handles_labels()
    fig.tight_layout(rect=(0, legend_in / (2.6 + legend_in), 1, 1), w_pad=2.0)
    if handles:
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(3, len(handles)), frameon=False)

    save(fig, out_prefix)
    plt.close(fig)


def save(fig, out_prefix):
    """PNG and SVG, each through a temporary file and a rename."""
    for ext, kwargs in (("png", {"dpi": 200}), ("svg", {})):
        path = f"{out_prefix}.{ext}"
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                                   dir=os.path.dirname(path) or ".")
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            with os.fdopen(fd, "wb") as f:
                fig.savefig(f, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None}, **kwargs)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


def plot_diagnosis(doc, out_prefix):
    """`brisk diagnose --json X.json --plot`: per layer, the relative error and the
    correlation of the SNN's decoded output with the ANN's activation; the layer where
    the error jumps is marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layers = doc["layers"]
    names = [str(l["name"]) for l in layers]
    x = list(range(len(layers)))
    fig, ax = plt.subplots(figsize=(max(3.0, 0.6 * len(layers) + 1.5), 2.4))
    ax.bar([i - 0.2 for i in x], [float(l["relative_error"]) for l in layers], width=0.4,
           label="relative error", color="#c44e52")
    ax.bar([i + 0.2 for i in x], [float(l["correlation"]) for l in layers], width=0.4,
           label="correlation", color="#4c72b0")
    jump = doc.get("jump_layer")
    if jump in names:
        ax.axvline(names.index(jump), color="0.3", linestyle=":", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=6)
    ax.set_ylim(0, max(1.05, max([float(l["relative_error"]) for l in layers] + [0]) * 1.1))
    ax.set_title(f"{doc.get('method', '')}, T = {doc.get('timesteps', '')}: SNN output vs ANN activation"
                 + (f" (error jumps at {jump})" if jump else ""), fontsize=7, loc="left")
    ax.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    save(fig, out_prefix)
    plt.close(fig)


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: brisk_plot.py PREFIX.json [OUTPUT_PREFIX]", file=sys.stderr)
        return 2
    src = argv[1]
    out = argv[2] if len(argv) == 3 else (src[:-5] if src.endswith(".json") else src)
    try:
        with open(src, encoding="utf-8") as f:
            if json.load(f).get("diagnose"):
                with open(src, encoding="utf-8") as g:
                    plot_diagnosis(json.load(g), out)
                return 0
        doc, runs = load_runs(src)
        plot(doc, runs, out)
    except ImportError as e:
        print(f"brisk_plot: matplotlib is not available ({e})", file=sys.stderr)
        return 3
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"brisk_plot: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
