"""Benchmark: `yearn compress` on the two demos (digits CNN, tabular MLP; optionally a wide
synthetic MLP), printing ONE markdown table (size, latency p50/p99 at batch 1 and 256,
speed vs float with its interval, dev metric with the paired test against float), the
goal lines, and with ``--grid`` a second table of int8 options (static QDQ / QOperator,
per-channel weights, reduce_range, the ops quantised, onnxruntime's graph optimisation
level, a leading shallow convolution in int8 too), each measured against float in the same
interleaved run, and with ``--profile`` onnxruntime's per-node times (batch 256) of the
float, int8-static and int8-dynamic graphs.

    PYTHONPATH=src .venv/bin/python bench/compress.py --grid --profile
        [--demo digits|tabular|wide|both|all] [--threads 1] [--repeats 200] [--epochs 3]

Goal (issue 15): an int8 variant ≥ 3× smaller than float, and int8 ≥ 1.3× faster than
float at batch 256 on CPU with a loss that is not significant. Projects are built in a
temporary folder (the demo data comes from yearn's cache when present); ``uptime`` is
printed so the load stands beside the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.demo import make_digits_demo, make_tabular_demo
from yearn.project import Project
from yearn.ship import compress_run
from yearn.splits import split_project
from yearn.train import train_project

QDQ = {"static_format": "qdq", "quantize_chain": False}
GRID = [  # (label, compress_run options); int8-static is the variant these change
    ("qoperator, chain ops (default)", {}),
    ("qoperator, conv/gemm only", {"quantize_chain": False}),
    ("qoperator, chain, per-channel", {"per_channel": True}),
    ("qoperator, chain, reduce_range", {"reduce_range": True}),
    ("qdq, conv/gemm only", QDQ),
    ("qdq, chain ops", {"static_format": "qdq"}),
    ("qdq, per-channel", {**QDQ, "per_channel": True}),
    ("qoperator, chain, ort level basic", {"optimization": "basic"}),
    ("qoperator, chain, ort level extended", {"optimization": "extended"}),
    ("qoperator, chain, shallow first conv in int8 too", {"quantize_shallow": True}),
]
PROFILED = ("float32", "int8-static", "int8-dynamic")


def _wide_project(root: Path, rows: int = 6000, features: int = 64, seed: int = 0) -> Path:
    """A synthetic binary table wide enough for int8 matrix products to matter."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True)
    w = rng.normal(size=features)
    for name, n, shift in (("train", rows, 0.0), ("target", rows // 3, 0.2)):
        x = rng.normal(shift, 1, size=(n, features))
        y = np.where(x @ w + rng.normal(0, 2, n) > 0, "yes", "no")
        frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(features)])
        frame.insert(0, "id", [f"{name}{i}" for i in range(n)])
        frame["y"] = y
        frame.to_csv(root / f"{name}.csv", index=False)
    (root / "yearn.toml").write_text(
        '[project]\nname = "wide"\ntask = "binary"\nlabel_column = "y"\nid_column = "id"\n\n'
        '[[sources]]\nname = "train"\npath = "train.csv"\nrole = "train"\n\n'
        '[[sources]]\nname = "target"\npath = "target.csv"\nrole = "target"\n'
    )
    return root


def build(kind: str, folder: Path, epochs: int) -> tuple[Path, str]:
    if kind == "digits":
        root, model, params = make_digits_demo(folder / kind), "cnn", {"batch_size": 64}
    elif kind == "tabular":
        root, model, params = make_tabular_demo(folder / kind), "mlp", {}
    else:
        root, model, params = _wide_project(folder / kind), "mlp", {"width": 512, "depth": 3}
    split_project(root)
    train_project(root, model, epochs=epochs, **params)
    return root, model


def _row(kind: str, result, v, base) -> dict[str, str]:
    lat = v.latency_ms
    first = v.name == base.name
    return {
        "demo": kind,
        "variant": v.name,
        "size KiB": f"{v.size_bytes / 1024:.1f}",
        "× smaller": "—" if first else f"{base.size_bytes / v.size_bytes:.2f}",
        "gzip KiB": f"{v.zipped_bytes / 1024:.1f}",
        "b1 p50/p99 ms": f"{lat['b1_p50']:.3f} / {lat['b1_p99']:.3f}",
        "b256 p50/p99 ms": f"{lat['b256_p50']:.2f} / {lat['b256_p99']:.2f}",
        "speed b256 vs float [95% CI]": "—" if first else v.speed_text(256),
        result.metric: f"{v.metric:.4f}",
        "cost, points [95% CI]": "—"
        if first
        else f"{v.cost:+.2f} [{v.cost_low:+.2f}, {v.cost_high:+.2f}]",
        "loss": "—" if first else v.loss,
    }


def _markdown(rows: list[dict[str, str]]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _goal_lines(kind: str, result) -> list[str]:
    by = {v.name: v for v in result.variants}
    base = by["float32"]
    out = []
    for name in ("int8-dynamic", "int8-static"):
        v = by[name]
        s = v.speed["256"]
        fast = s["low"] >= 1.3 and not v.loss.endswith("loss")
        out.append(
            f"- {kind} {name}: {base.size_bytes / v.size_bytes:.2f}× smaller "
            f"({'meets' if base.size_bytes >= 3 * v.size_bytes else 'misses'} 3×); batch 256 "
            f"{v.speed_text(256)} ({'meets' if fast else 'misses'} 1.3× with the interval "
            f"above 1.3 and no loss); {v.sentence}"
        )
    return out


def _profile_lines(kind: str, project: Project, result, threads: int) -> list[str]:
    """Per-node tables (onnxruntime's profiler, batch 256) of the PROFILED variants."""
    from yearn.ship._export import parity_split
    from yearn.ship._latency import node_times
    from yearn.ship._schema import frame_to_inputs
    from yearn.ship._source import load_run_source

    src = load_run_source(project, result.run_id)
    split = parity_split(src)
    inputs = frame_to_inputs(src.frames[split], src.schema, allow_extra=True, where=split)
    out = []
    for v in result.variants:
        if v.name not in PROFILED:
            continue
        rows, call = node_times(Path(v.path, "model.onnx").read_bytes(), inputs, threads=threads)
        total = sum(r["ms"] for r in rows)
        out.append(f"\n{kind} {v.name}: {len(rows)} nodes, sum {total:.3f} ms, whole call "
                   f"(model_run) {call:.3f} ms, batch 256\n")  # fmt: skip
        share = [f"{100 * r['ms'] / total:.1f}" for r in rows]
        out.append(_markdown([
            {"#": i, "op": r["op"], "ms": f"{r['ms']:.4f}", "% of nodes": pct}
            for i, (r, pct) in enumerate(zip(rows, share, strict=True))
        ]))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--demo", default="both", choices=["digits", "tabular", "wide", "both", "all"]
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--grid", action="store_true", help="also the int8 options table")
    parser.add_argument("--profile", action="store_true", help="also per-node times")
    args = parser.parse_args()
    kinds = {"both": ["digits", "tabular"], "all": ["digits", "tabular", "wide"]}.get(
        args.demo, [args.demo]
    )
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"`uptime` before: {load}; cpu count {os.cpu_count()}; {args.threads} thread(s)\n")
    rows, grid_rows, goals, sentences, profiles = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            root, model = build(kind, Path(tmp), args.epochs)
            project = Project(root)
            result = compress_run(
                project, threads=args.threads, repeats=args.repeats, sparsities=(0.5, 0.8),
                out=Path(tmp) / f"{kind}-variants", save=False,
            )  # fmt: skip
            base = result.variants[0]
            rows += [_row(kind, result, v, base) for v in result.variants]
            goals += _goal_lines(kind, result)
            sentences.append(f"- {kind} ({model}, {result.metric} on {result.n:,} "
                             f"{result.split} rows): {result.sentence}")  # fmt: skip
            if args.profile:
                profiles += _profile_lines(kind, project, result, args.threads)
            if not args.grid:
                continue
            for label, options in GRID:
                r = compress_run(
                    project, threads=args.threads, repeats=args.repeats, sparsities=(),
                    out=Path(tmp) / f"{kind}-grid", save=False, **options,
                )  # fmt: skip
                b = r.variants[0]
                level = options.get("optimization", "all")
                for v in r.variants[1:]:
                    if v.name == "int8-dynamic" and set(options) - {"optimization"}:
                        continue  # the static options leave dynamic as it was
                    row = _row(kind, r, v, b)
                    row["variant"] = (
                        f"{v.name} ({label})" if v.name == "int8-static"
                        else f"{v.name} (ort level {level})"
                    )  # fmt: skip
                    row["float b256 p50 ms"] = f"{b.latency_ms['b256_p50']:.2f}"
                    grid_rows.append(row)
    print(_markdown(rows))
    print("\nRecommendations:\n" + "\n".join(sentences))
    print("\nGoals:\n" + "\n".join(goals))
    if grid_rows:
        print("\nint8 options (each row measured against float in its own interleaved run):\n")
        print(_markdown(grid_rows))
    if profiles:
        print("\nPer node (onnxruntime profiler; about 1 µs of profiling per node):")
        print("\n".join(profiles))
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\n`uptime` after: {load}")


if __name__ == "__main__":
    main()
