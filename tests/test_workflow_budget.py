"""yearn run's training budget: the batch size grows with the train split (stated in the
output), so an epoch over a million rows is not 30,000 steps; small projects unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.errors import ConfigError
from yearn.store import open_store
from yearn.train import scaled_batch_size
from yearn.workflow import WorkflowOptions, run_project

TOML = """\
[project]
name = "budget"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "all"
path = "data.parquet"
role = "target"

[split]
dev = 0.1
test = 0.1
train_dev = 0.05
"""


def test_scaled_batch_size_rule() -> None:
    assert scaled_batch_size(20) == 20  # never more than the rows
    assert scaled_batch_size(32_000) == 32  # 1,000 steps of 32: the default
    assert scaled_batch_size(32_001) == 64
    assert scaled_batch_size(171_000) == 256  # 668 steps an epoch
    assert scaled_batch_size(855_000) == 1_024  # 835 steps an epoch
    assert scaled_batch_size(10_000_000) == 1_024  # capped
    with pytest.raises(ConfigError, match="n_train"):
        scaled_batch_size(0)


def _project(root, n: int):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame({"id": np.arange(n), "x1": x[:, 0], "x2": x[:, 1]})
    frame["y"] = np.where(x[:, 0] + rng.normal(0, 1, n) > 0, "a", "b")
    frame.to_parquet(root / "data.parquet", index=False)
    (root / "yearn.toml").write_text(TOML, encoding="utf-8")
    return root


def _batch_sizes(root) -> dict[str, object]:
    store = open_store(root)
    try:
        return {r.kind: r.config.get("batch_size") for r in store.list_runs()}
    finally:
        store.close()


OPTIONS = WorkflowOptions(
    epochs=1, baselines=("majority",), learning_curve=False, lr_find_steps=10, worksheet_size=5
)


@pytest.mark.parametrize(("rows", "batch"), [(300, None), (45_000, 64)])
def test_yearn_run_scales_the_batch_with_the_train_split(tmp_path, rows, batch) -> None:
    root = _project(tmp_path, rows)
    result = run_project(root, options=OPTIONS, report=False)
    assert result.failed == []
    n_train = result["split"].outputs["counts"]["train"]
    # training and the learning-rate test use the same batch size
    sizes = _batch_sizes(root)
    assert sizes["train"] == batch and sizes["lr_find"] == batch
    if batch is None:  # small: training's own default, nothing to state
        assert result["train"].note == ""
    else:
        steps = -(-n_train // batch)
        assert result["train"].note.startswith(
            f"batch size {batch} for {n_train:,} train rows: {steps:,} steps an epoch × 1 epochs"
        )
        assert result["train"].outputs["note"] == result["train"].note
    # the rule's choice is part of the fingerprint: unchanged, nothing trains again
    again = run_project(root, options=OPTIONS, report=False)
    assert again["train"].status == "skipped" and again["lr_find"].status == "skipped"
