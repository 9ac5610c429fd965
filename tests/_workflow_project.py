"""One small two-source binary project for the workflow, report and browser tests, and the
fast workflow settings they run it with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from yearn.workflow import WorkflowOptions

TOML = """\
[project]
name = "tiny"
task = "binary"
label_column = "y"
id_column = "id"
metadata_columns = ["blur"]

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.csv"
role = "target"

[metric]
optimizing = "error"
human_level_error = 0.02

[split]
dev = 0.4
test = 0.3
target_to_train = 0.3
train_dev = 0.1
"""

#: Fast settings: a few epochs, one baseline, a short range test, a two-point curve.
FAST = WorkflowOptions(
    epochs=3,
    baselines=("majority", "logistic"),
    worksheet_size=20,
    learning_curve_fractions=(0.4, 0.7, 1.0),
    lr_find_steps=20,
)


def _source(rng: np.random.Generator, n: int, prefix: str, shift: float) -> pd.DataFrame:
    x = rng.normal(shift, 1.0, size=(n, 3))
    blur = rng.uniform(0, 1, n) + shift
    logit = 1.5 * x[:, 0] - x[:, 1] - 2.0 * (blur > 1.0)
    y = (logit + rng.normal(0, 1.0, n) > 0).astype(int)
    return pd.DataFrame(
        {
            "id": [f"{prefix}{i}" for i in range(n)],
            "a": x[:, 0],
            "b": x[:, 1],
            "c": x[:, 2],
            "blur": blur,
            "y": np.where(y == 1, "yes", "no"),
        }
    )


def make_project(root: Path, *, random_state: int = 0) -> Path:
    """A small binary project: 300 train-source rows, 300 target rows with a metadata column."""
    rng = np.random.default_rng(random_state)
    root.mkdir(parents=True, exist_ok=True)
    _source(rng, 300, "w", 0.0).to_csv(root / "web.csv", index=False)
    _source(rng, 300, "p", 0.5).to_csv(root / "phone.csv", index=False)
    (root / "yearn.toml").write_text(TOML, encoding="utf-8")
    return root


#: The report's sections, in page order (the report and browser tests check each).
SECTION_IDS = [
    "project",
    "profile",
    "baselines",
    "curves",
    "diagnosis",
    "operating-point",
    "errors",
    "labels",
    "slices",
    "learning-curve",
    "lr-test",
]
