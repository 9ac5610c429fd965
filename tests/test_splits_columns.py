"""Splitting reads only the columns a split needs, and draws the same split as before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yearn.data import load_project
from yearn.splits import split_dataset


def _project(tmp_path, fmt: str):
    rng = np.random.default_rng(0)
    for name, n in (("web", 300), ("phone", 200)):
        frame = pd.DataFrame(
            {
                "uid": [f"{name}-{i}" for i in range(n)],
                "label": rng.integers(0, 3, n).astype(str),
                "f1": rng.normal(size=n),
                "f2": rng.normal(size=n),
            }
        )
        if fmt == "csv":
            frame.to_csv(tmp_path / f"{name}.csv", index=False)
        else:
            frame.to_parquet(tmp_path / f"{name}.parquet")
    (tmp_path / "yearn.toml").write_text(
        '[project]\nname = "t"\ntask = "multiclass"\nid_column = "uid"\nlabel_column = "label"\n'
        f'[[sources]]\nname = "web"\npath = "web.{fmt}"\nrole = "train"\n'
        f'[[sources]]\nname = "phone"\npath = "phone.{fmt}"\nrole = "target"\n'
    )
    return tmp_path


def test_without_features_only_named_columns_are_read(tmp_path):
    for fmt in ("csv", "parquet"):
        (tmp_path / fmt).mkdir()
        root = _project(tmp_path / fmt, fmt)
        light = load_project(root, features=False, screen=False)
        full = load_project(root, screen=False)
        assert light.feature_columns == ()
        assert "f1" not in light.frame.columns and "f1" in full.frame.columns
        a, b = split_dataset(light), split_dataset(full)
        pd.testing.assert_frame_equal(a.table, b.table)
