"""Benchmark: load and validate a large Parquet / CSV source with yearn.data.load_project.

    .venv/bin/python bench/bench_data_load.py [--rows 1000000] [--cols 50] [--csv] [--repeats 3]

Writes a synthetic table (id, label, float features, one text column) to a temporary
folder, then times pandas' bare read against yearn's load + validation, side by side
(wall and CPU seconds, the best of ``--repeats``).
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
    """(result, wall seconds, CPU seconds of this process, all threads)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--csv", action="store_true", help="also time a CSV of the same data")
    parser.add_argument("--repeats", type=int, default=3)
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
            best = None
            for _ in range(args.repeats):
                _, bare_wall, bare_cpu = timed(bare)
                ds, wall, cpu = timed(lambda: load_project(root))
                assert len(ds) == args.rows
                run = (bare_wall, bare_cpu, wall, cpu)
                best = run if best is None else tuple(map(min, best, run))
            rows.append((fmt, *best))
    print(f"\n{args.rows:,} rows x {args.cols} columns, best of {args.repeats}")
    print(
        f"{'format':<8} {'pandas read wall/CPU (s)':>26} {'yearn load+validate wall/CPU (s)':>34}"
    )
    for fmt, bare_wall, bare_cpu, wall, cpu in rows:
        print(f"{fmt:<8} {bare_wall:>16.2f} / {bare_cpu:>5.2f} {wall:>24.2f} / {cpu:>5.2f}")


if __name__ == "__main__":
    main()
