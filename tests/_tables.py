"""A small two-class predictions table (cat / dog) with metadata, for error-analysis tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_table(n: int = 200, error_rate: float = 0.2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.choice(["cat", "dog"], size=n)
    wrong = rng.random(n) < error_rate
    pred = np.where(wrong, np.where(label == "cat", "dog", "cat"), label)
    p_cat = np.where(pred == "cat", 0.8, 0.2)
    return pd.DataFrame(
        {
            "id": [f"x{i:03d}" for i in range(n)],
            "split": rng.choice(["train", "dev", "test"], size=n, p=[0.2, 0.6, 0.2]),
            "label": label,
            "proba:cat": p_cat,
            "proba:dog": 1 - p_cat,
            "blur": rng.random(n).round(3),
            "source": rng.choice(["web", "phone"], size=n),
        }
    )
