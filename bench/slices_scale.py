"""Time of ``yearn.slices.find_slices`` on a planted table of 100k rows (formerly a timing
assertion in tests/test_slices.py; a timing is a benchmark, not a test).

A dev predictions table with a planted high-error slice (blur > 0.75 and source phone),
plus an hour column (24 values) and a device column (8 values); ``find_slices(n_bins=5)``
timed warm, ``--repeats`` times, with the machine's load average. ``--metric f1`` times the
project-metric path (1-F1 of each slice vs the rest, ``n_boot`` = 200 bootstrap resamples).

Run: ``PYTHONPATH=src .venv/bin/python bench/slices_scale.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.slices import find_slices


def planted(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    blur = rng.random(n)
    source = rng.choice(["web", "phone"], size=n)
    wrong = rng.random(n) < np.where((blur > 0.75) & (source == "phone"), 0.5, 0.08)
    label = rng.choice(["a", "b"], size=n)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "split": "dev",
            "label": label,
            "pred": np.where(wrong, np.where(label == "a", "b", "a"), label),
            "blur": blur,
            "source": source,
            "size": rng.normal(size=n),
            "path": [f"img/{i}.png" for i in range(n)],
            "hour": np.arange(n) % 24,
            "device": rng.choice(list("abcdefgh"), size=n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--metric", default="error")
    args = parser.parse_args()
    frame = planted(args.rows, seed=1)
    find_slices(frame.head(1000))  # warm: imports
    load = Path("/proc/loadavg").read_text().split()[:3]
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        report = find_slices(frame, n_bins=5, metric=args.metric)
        times.append(time.perf_counter() - t)
    top = sorted(report.slices.iloc[0]["columns"])
    print(
        f"find_slices ({report.metric}, {report.n_tested} slices), {args.rows:,} rows: "
        f"wall s min {min(times):.3f} median "
        f"{statistics.median(times):.3f} (top slice on {top}); load average {' '.join(load)}"
    )


if __name__ == "__main__":
    main()
