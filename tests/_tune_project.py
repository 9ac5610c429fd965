"""A one-source binary project with a dev split large enough to halve (for tune tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TUNE_TOML = """
[project]
name = "tiny"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "all"
path = "all.csv"
role = "target"

[split]
dev = {dev}
test = 0.1
train_dev = 0.05

[tune]
epochs = 2
{space}
"""


def make_tune_project(
    root: Path, *, n: int = 400, signal: bool = True, dev: float = 0.4, space: str = ""
) -> Path:
    """Two features; ``y`` follows them (``signal``) or is a fair coin."""
    from yearn.splits.project import split_project

    rng = np.random.default_rng(7)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = (x1 + x2 > 0) if signal else rng.random(n) < 0.5
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"id": [f"r{i}" for i in range(n)], "x1": x1, "x2": x2, "y": np.where(y, "yes", "no")}
    ).to_csv(root / "all.csv", index=False)
    (root / "yearn.toml").write_text(TUNE_TOML.format(dev=dev, space=space), encoding="utf-8")
    split_project(root, record=False)
    return root
