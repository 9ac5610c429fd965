"""The digits demo's gap intervals: its split, its earlier split, two alternatives (issue 13 §6).

For each configuration the digits data is built (``phone_share`` of the 1,797 base images
to the phone source), split, and the demo's CNN trained (the demo's workflow settings
without the learning-rate test and learning curve); then, for the variance and
data-mismatch gaps: the estimate, yearn's 95% Newcombe interval (rows counted as
independent, what ``yearn diagnose`` prints), its simultaneous interval (the ladder's
Bonferroni level) and a cluster bootstrap that resamples *base images* (the 4-5 renders of
one base image are correlated, so this is the honest width). Prints a markdown table.

    python bench/digits_intervals.py            # ~4 x 1-2 min on 2 quiet cores
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.demo import DEMO_OPTIONS, DIGITS_SETTINGS, build_digits_data
from yearn.demo._digits import METADATA_COLUMNS
from yearn.demo._projects import DIGITS_HUMAN_LEVEL_ERROR, DIGITS_SPLIT
from yearn.diagnose import newcombe_diff
from yearn.scaffold import write_project_file
from yearn.workflow import run_project

CONFIGS = [
    ("demo (phone 0.28; dev 0.6, test 0.3, t2t 0.1, train_dev 0.2)", 0.28, DIGITS_SPLIT),
    (
        "earlier demo (phone 0.28; dev 0.4, test 0.2, t2t 0.4, train_dev 0.2)",
        0.28,
        {"dev": 0.4, "test": 0.2, "target_to_train": 0.4, "train_dev": 0.2},
    ),
    (
        "phone 0.45; dev 0.6, test 0.15, t2t 0.25, train_dev 0.25",
        0.45,
        {"dev": 0.6, "test": 0.15, "target_to_train": 0.25, "train_dev": 0.25},
    ),
    (
        "phone 0.5; dev 0.6, test 0.2, t2t 0.2, train_dev 0.3",
        0.5,
        {"dev": 0.6, "test": 0.2, "target_to_train": 0.2, "train_dev": 0.3},
    ),
]
GAPS = {"variance": ("train", "train_dev"), "data_mismatch": ("train_dev", "dev")}


def _cluster_halfwidth(frame: pd.DataFrame, lo: str, hi: str, rng) -> float:
    """Half-width of the 95% percentile interval of error(hi) - error(lo), base images
    resampled (each split separately)."""
    parts = []
    for split in (lo, hi):
        g = frame[frame["split"] == split].groupby("group")["wrong"].agg(["sum", "count"])
        parts.append((g["sum"].to_numpy(), g["count"].to_numpy()))
    (sa, ca), (sb, cb) = parts
    boots = np.empty(2000)
    for b in range(boots.size):
        i, j = rng.integers(0, ca.size, ca.size), rng.integers(0, cb.size, cb.size)
        boots[b] = sb[j].sum() / cb[j].sum() - sa[i].sum() / ca[i].sum()
    low, high = np.quantile(boots, [0.025, 0.975])
    return float(high - low) / 2


def measure(name: str, share: float, split: dict, root: Path) -> dict:
    started = time.perf_counter()
    build_digits_data(root, random_state=0, settings=replace(DIGITS_SETTINGS, phone_share=share))
    write_project_file(
        root, force=True, name="digits-demo", task="multiclass", label="label",
        id_column="id", group_column="base_id", metadata_columns=list(METADATA_COLUMNS),
        image_column="path",
        sources=[
            {"name": "web", "path": "data/web/manifest.csv", "role": "train", "format": "csv"},
            {"name": "phone", "path": "data/phone/manifest.csv", "role": "target",
             "format": "csv"},
        ],
        metric="error", human_level_error=DIGITS_HUMAN_LEVEL_ERROR, split=split,
    )  # fmt: skip
    run_project(root, options=replace(DEMO_OPTIONS, lr_find=False, learning_curve=False))
    diag = json.loads((root / ".yearn/workflow/diagnosis.json").read_text())
    preds = pd.read_parquet(root / ".yearn/artifacts" / diag["run_id"] / "predictions.parquet")
    manifest = pd.read_parquet(root / ".yearn/splits.parquet")[["id", "group"]]
    preds = preds.merge(manifest, on="id")
    preds["wrong"] = (preds["label"].astype(str) != preds["pred"].astype(str)).astype(float)
    rng = np.random.default_rng(0)
    errs = diag["error_intervals"]
    row = {"config": name, "verdict": diag["verdict"], "seconds": time.perf_counter() - started}
    row["sizes"] = {s: errs[s]["n"] for s in ("train", "train_dev", "dev")}
    row["bases"] = {
        s: int(preds.loc[preds["split"] == s, "group"].nunique()) for s in ("train_dev", "dev")
    }
    row["errors"] = {s: errs[s]["value"] for s in ("train", "train_dev", "dev")}
    for gap, (lo, hi) in GAPS.items():
        g = diag["gaps"][gap]
        a, b = newcombe_diff(errs[hi]["value"], errs[hi]["n"], errs[lo]["value"], errs[lo]["n"])
        row[gap] = {
            "value": g["value"],
            "newcombe95": (b - a) / 2,
            "simultaneous": (g["ci_high"] - g["ci_low"]) / 2,
            "cluster95": _cluster_halfwidth(preds, lo, hi, rng),
        }
    return row


def main() -> None:
    rows = []
    for name, share, split in CONFIGS:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure(name, share, split, Path(tmp) / "demo"))
        print(f"measured {name} ({rows[-1]['seconds']:.0f} s)", file=sys.stderr)
    print(
        "| configuration | dev rows (base images) | train-dev rows (bases) | errors train / "
        "train-dev / dev | mismatch gap | ±95% rows | ±simultaneous | ±95% by base image | "
        "variance gap | ±95% rows | ±95% by base image | verdict |"
    )
    print("|" + "---|" * 12)
    pct = "{:.2f}".format
    for r in rows:
        e, m, v = r["errors"], r["data_mismatch"], r["variance"]
        print(
            f"| {r['config']} | {r['sizes']['dev']} ({r['bases']['dev']}) | "
            f"{r['sizes']['train_dev']} ({r['bases']['train_dev']}) | "
            f"{pct(100 * e['train'])} / {pct(100 * e['train_dev'])} / {pct(100 * e['dev'])} | "
            f"{pct(100 * m['value'])} | {pct(100 * m['newcombe95'])} | "
            f"{pct(100 * m['simultaneous'])} | {pct(100 * m['cluster95'])} | "
            f"{pct(100 * v['value'])} | {pct(100 * v['newcombe95'])} | "
            f"{pct(100 * v['cluster95'])} | {r['verdict']} |"
        )


if __name__ == "__main__":
    main()
