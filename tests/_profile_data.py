"""Small synthetic tables for the profile tests: clean, or with one planted problem."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_table(n: int = 1200, *, plant: str | None = None, seed: int = 0) -> pd.DataFrame:
    """A mixed table: ids, numbers, categories, a label, a split and a train/target role.

    ``plant`` adds one problem: ``leak``, ``id_column``, ``cross_duplicate``, ``shift``,
    ``imbalance``, ``missing_predicts``.
    """
    rng = np.random.default_rng(seed)
    x1, x2, x3, x4 = (rng.normal(size=n) for _ in range(4))
    c1 = rng.choice(["a", "b", "c", "d"], size=n)
    c2 = rng.choice(["red", "green", "blue"], size=n)
    logit = 0.8 * x1 + 0.5 * (c1 == "a") - 0.3
    if plant == "imbalance":
        logit = logit - 4.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    role = np.where(rng.random(n) < 0.5, "train", "target")
    split = np.where(role == "train", "train", rng.choice(["dev", "test"], size=n))
    if plant == "shift":
        x2 = np.where(role == "target", x2 + 1.5, x2)
    x3 = np.where(rng.random(n) < 0.1, np.nan, x3)  # harmless missing values
    frame = pd.DataFrame(
        {
            "id": [f"u{i:05d}" for i in rng.permutation(n)],
            "x1": x1,
            "x2": x2,
            "x3": x3,
            "x4": x4,
            "c1": c1,
            "c2": c2,
            "y": y,
            "split": split,
            "source": np.where(role == "train", "web", "phone"),
            "role": role,
        }
    )
    if plant == "leak":
        frame["leak"] = y + rng.normal(scale=0.05, size=n)
    if plant == "id_column":
        frame["row_number"] = np.arange(n) + 1000
    if plant == "missing_predicts":
        miss = rng.random(n) < np.where(y == 1, 0.6, 0.05)
        frame["x4"] = np.where(miss, np.nan, x4)
    if plant == "cross_duplicate":
        train_rows = np.flatnonzero(split == "train")[:8]
        test_rows = np.flatnonzero(split == "test")[:8]
        cols = ["x1", "x2", "x3", "x4", "c1", "c2", "y"]
        frame.loc[test_rows, cols] = frame.loc[train_rows, cols].to_numpy()
    return frame
