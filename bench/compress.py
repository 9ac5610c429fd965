"""Benchmark: `yearn compress` on the two demos (digits CNN, tabular MLP) and on a wider
MLP, printing the table (size, latency p50/p99 at batch 1 and 256, dev metric with the
paired test against float) and the int8-vs-float figures the goal is about.

    .venv/bin/python bench/compress.py [--demo digits|tabular|wide|all] [--threads 1]
                                       [--repeats 200] [--epochs 3]

Goal (issue 15): an int8 variant ≥ 3× smaller than float, and int8 ≥ 1.3× faster than
float at batch 256 on CPU with a loss that is not significant. The projects are built in
a temporary folder (the demo data comes from yearn's cache when present).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.demo import make_digits_demo, make_tabular_demo
from yearn.project import Project
from yearn.ship import compress_run
from yearn.splits import split_project
from yearn.train import train_project


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


def build(kind: str, folder: Path, epochs: int) -> tuple[Path, dict]:
    if kind == "digits":
        return make_digits_demo(folder / kind), {"model": "cnn", "batch_size": 64}
    if kind == "tabular":
        return make_tabular_demo(folder / kind), {"model": "mlp"}
    return _wide_project(folder / kind), {"model": "mlp", "width": 512, "depth": 3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", default="all", choices=["digits", "tabular", "wide", "all"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    kinds = ["digits", "tabular", "wide"] if args.demo == "all" else [args.demo]
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 20)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            root, params = build(kind, Path(tmp), args.epochs)
            split_project(root)
            model = params.pop("model")
            train_project(root, model, epochs=args.epochs, **params)
            result = compress_run(
                Project(root), threads=args.threads, repeats=args.repeats, sparsities=(0.5, 0.8)
            )
            print(f"\n== {kind} ({model}; {result.metric} on {result.n} {result.split} rows; "
                  f"{args.threads} thread(s), cpu count {os.cpu_count()}) ==")  # fmt: skip
            print(pd.DataFrame(result.rows()).to_string(index=False))
            by = {v.name: v for v in result.variants}
            base = by["float32"]
            for name in ("int8-dynamic", "int8-static"):
                v = by[name]
                print(
                    f"{name}: {base.size_bytes / v.size_bytes:.2f}× smaller; batch 256 p50 "
                    f"{base.latency_ms['b256_p50']:.3f} → {v.latency_ms['b256_p50']:.3f} ms "
                    f"({base.latency_ms['b256_p50'] / v.latency_ms['b256_p50']:.2f}× speed-up); "
                    f"{v.sentence}"
                )
            print(result.sentence)


if __name__ == "__main__":
    main()
