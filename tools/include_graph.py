#!/usr/bin/env python3
"""brisk's #include graph, checked against the layering.

Every source file belongs to a target by its folder; every `#include <brisk/...>` names a
header of a target. An include is allowed only downward: to the file's own target or to
one the layering places below it (LAYERS). Prints the target graph (edges with counts, or
Graphviz DOT with --dot) and exits 1 on any upward or sideways include.

  tools/include_graph.py [--root DIR] [--dot]
"""
import argparse
import os
import re
import sys

# Folder prefix -> target (longest prefix wins).
TARGETS = {
    "core/base": "base",
    "core/graph": "graph",
    "data/hdf5": "hdf5io",
    "data": "data",
    "neurons": "neurons",
    "encoders": "encoders",
    "core/engine": "engine",
    "conversion": "conversion",
    "apps/experiments": "experiments",
    "apps/cli": "cli",
    "apps/python": "python",
}

# What each target may include (its own headers always). Bottom up.
LAYERS = {
    "base": set(),
    "graph": {"base"},
    "hdf5io": {"base"},
    "data": {"base", "hdf5io"},
    "neurons": {"base"},
    "encoders": {"base"},
    "engine": {"base", "graph", "neurons", "encoders"},
    "conversion": {"base", "graph", "data", "hdf5io", "neurons", "encoders", "engine"},
    "experiments": {"base", "graph", "data", "neurons", "encoders", "engine", "conversion"},
    "cli": {"base", "graph", "data", "neurons", "encoders", "engine", "conversion", "experiments"},
    "python": {"base", "graph", "data", "neurons", "encoders", "engine", "conversion", "experiments"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]brisk/([^>"]+)[>"]')


def target_of(path):
    best = None
    for prefix, t in TARGETS.items():
        if path == prefix or path.startswith(prefix + "/"):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, t)
    return best[1] if best else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--dot", action="store_true", help="print Graphviz DOT instead of a list")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    edges, bad, files = {}, [], 0
    for top in ("core", "data", "neurons", "encoders", "conversion", "apps"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".hpp", ".cpp", ".h", ".in")):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                src = target_of(rel)
                if src is None:
                    continue
                files += 1
                with open(full, encoding="utf-8") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        dst = target_of(m.group(1))
                        if dst is None:
                            bad.append(f"{rel}:{lineno}: includes <brisk/{m.group(1)}>, which belongs to no target")
                            continue
                        if dst != src:
                            edges[(src, dst)] = edges.get((src, dst), 0) + 1
                            if dst not in LAYERS[src]:
                                bad.append(f"{rel}:{lineno}: {src} includes <brisk/{m.group(1)}> of {dst}, "
                                           f"which is not below it")
    if args.dot:
        print("digraph brisk {\n  rankdir=BT;")
        for (a, b), n in sorted(edges.items()):
            print(f'  "{a}" -> "{b}" [label="{n}"];')
        print("}")
    else:
        print(f"include graph: {files} files, {len(edges)} target edges")
        for (a, b), n in sorted(edges.items()):
            print(f"  {a:<12} -> {b:<12} ({n} includes)")
    for b in bad:
        print(f"include_graph: error: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
