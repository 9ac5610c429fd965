"""A small two-source binary project (web = train, phone = target) for CLI tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

TOY_TOML = """
[project]
name = "toy"
task = "binary"
label_column = "y"
id_column = "id"
metadata_columns = ["device"]

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.csv"
role = "target"
"""


def two_source_toml(
    *, task: str = "binary", web: str = "web.csv", phone: str = "phone.csv", name: str = ""
) -> str:
    """A ``yearn.toml`` with label ``y``, ids in ``id``, source ``web`` (train) at ``web``
    and source ``phone`` (target) at ``phone``."""
    named = f'name = "{name}"\n' if name else ""
    return (
        f'[project]\n{named}task = "{task}"\nlabel_column = "y"\nid_column = "id"\n\n'
        f'[[sources]]\nname = "web"\npath = "{web}"\nrole = "train"\n\n'
        f'[[sources]]\nname = "phone"\npath = "{phone}"\nrole = "target"\n'
    )


def toy_table(prefix: str, n: int, seed: int) -> pd.DataFrame:
    """Two numbers and a colour that predict ``y`` (yes/no); ``device`` is metadata."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "blue"], n)
    y = np.where(x1 + 0.5 * x2 + (color == "red") > 0.3, "yes", "no")
    return pd.DataFrame(
        {"id": [f"{prefix}{i}" for i in range(n)], "x1": x1, "x2": x2, "color": color,
         "device": prefix, "y": y}
    )  # fmt: skip


#: The toy project with a metric and split settings for training (a human level of 20%).
TRAIN_TOML = (
    TOY_TOML
    + """
[metric]
optimizing = "error"
human_level_error = 0.2

[split]
dev = 0.3
test = 0.3
target_to_train = 0.4
train_dev = 0.1
"""
)
