"""``yearn synthesize`` on a table: missingness and spread matched to the target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.mismatch import synthesize
from yearn.scaffold import write_project_file
from yearn.splits import split_project


def _project(root, *, shifted: bool, seed: int = 1):
    rng = np.random.default_rng(seed)
    (root / "data").mkdir(parents=True)
    for name, n in (("registry", 400), ("clinic", 400)):
        x1 = rng.normal(0, 1, n)
        x2 = rng.normal(0, 3 if (shifted and name == "clinic") else 1, n)
        frame = pd.DataFrame(
            {
                "id": [f"{name}{i}" for i in range(n)],
                "g": [f"{name}{i // 2}" for i in range(n)],
                "x1": x1,
                "x2": x2,
                "y": (x1 + rng.normal(0, 1, n) > 0).astype(int),
            }
        )
        if shifted and name == "clinic":
            frame.loc[rng.random(n) < 0.3, "x1"] = np.nan
        frame.to_csv(root / "data" / f"{name}.csv", index=False)
    write_project_file(
        root,
        task="binary",
        label="y",
        id_column="id",
        group_column="g",
        sources=[
            {"name": "registry", "path": "data/registry.csv", "role": "train", "format": "csv"},
            {"name": "clinic", "path": "data/clinic.csv", "role": "target", "format": "csv"},
        ],
        metric="error",
    )
    split_project(root, record=False)
    return root


def test_missingness_and_spread_matched(tmp_path):
    root = _project(tmp_path, shifted=True)
    result = synthesize(root, columns=["x1", "x2"], n=300)
    fit = {r["column"]: r for r in result.fit}
    assert fit["x1"]["missing_train"] == 0
    assert abs(fit["x1"]["missing_synthetic"] - fit["x1"]["missing_target"]) < 0.05
    assert fit["x2"]["noise_sigma"] > 2
    assert abs(fit["x2"]["std_synthetic"] - fit["x2"]["std_target"]) < 0.4
    manifest = pd.read_csv(root / "data" / "synthetic" / "manifest.csv")
    prov = pd.read_csv(root / "data" / "synthetic" / "provenance.csv")
    registry = pd.read_csv(root / "data" / "registry.csv").set_index("id")
    assert list(manifest.columns) == ["id", "g", "x1", "x2", "y"]
    assert (manifest["g"].to_numpy() == registry.loc[prov["original_id"], "g"].to_numpy()).all()
    assert result.splits == {"train": 300}


def test_no_difference_nothing_injected(tmp_path):
    """Null case: noise is added only where the target's spread is larger at the 5% level,
    so over ten null projects (two columns each) it is added rarely, never missingness."""
    noisy = 0
    for seed in range(10):
        root = tmp_path / f"p{seed}"
        result = synthesize(_project(root, shifted=False, seed=seed), n=100, write=False)
        for row in result.fit:
            assert row["missing_synthetic"] == 0
            noisy += bool(row["noise_sigma"])
    # 20 column tests at alpha 0.05: 1 expected; more than 3 happens with p = 0.016
    assert noisy <= 3, noisy


def test_unknown_column_is_an_error(tmp_path):
    from yearn.errors import ConfigError

    with pytest.raises(ConfigError, match="'nope' is not a column"):
        synthesize(_project(tmp_path, shifted=False), columns=["nope"], write=False)
