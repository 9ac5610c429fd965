"""Benchmark: load and validate a large Parquet / CSV source with yearn.data.load_project.

    .venv/bin/python bench/bench_data_load.py [--rows 1000000] [--cols 50] [--csv]

Writes a synthetic table (id, label, float features, one text column) to a temporary
folder, then times pandas' bare read against yearn's load + validation, side by side.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.data import load_project


def make_table(rows: int, cols: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_features = cols - 3
    frame = pd.DataFrame(
        rng.normal(size=(rows, n_features)).astype(np.float64),
        columns=[f"f{i}" for i in range(n_features)],
    )
    frame.insert(0, "uid", np.char.add("r", np.arange(rows).astype(str)))
    frame["city"] = np.array(["paris", "seoul", "lima", "oslo"])[rng.integers(0, 4, rows)]
    frame["y"] = rng.integers(0, 3, rows)
    return frame


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--csv", action="store_true", help="also time a CSV of the same data")
    args = parser.parse_args()
    frame = make_table(args.rows, args.cols)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        formats = ["parquet"] + (["csv"] if args.csv else [])
        rows = []
        for fmt in formats:
            path = root / f"big.{fmt}"
            if fmt == "parquet":
                frame.to_parquet(path)
                bare = lambda p=path: pd.read_parquet(p)  # noqa: E731
            else:
                frame.to_csv(path, index=False)
                bare = lambda p=path: pd.read_csv(p)  # noqa: E731
            (root / "yearn.toml").write_text(
                '[project]\ntask = "multiclass"\nlabel_column = "y"\nid_column = "uid"\n'
                f'[[sources]]\nname = "big"\npath = "big.{fmt}"\n',
                encoding="utf-8",
            )
            _, t_bare = timed(bare)
            ds, t_yearn = timed(lambda: load_project(root))
            assert len(ds) == args.rows
            rows.append((fmt, t_bare, t_yearn))
    print(f"\n{args.rows:,} rows x {args.cols} columns, 2-core machine")
    print(f"{'format':<8} {'pandas read (s)':>16} {'yearn load+validate (s)':>24} {'overhead':>9}")
    for fmt, t_bare, t_yearn in rows:
        print(f"{fmt:<8} {t_bare:>16.2f} {t_yearn:>24.2f} {t_yearn / t_bare:>8.1f}x")


if __name__ == "__main__":
    main()
