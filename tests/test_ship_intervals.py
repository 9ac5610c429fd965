"""The exported model's dev metric interval counts the project's groups, not rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from tests._toy_project import TRAIN_TOML, toy_table
from yearn.diagnose import wilson
from yearn.ship._tables import metric_with_interval


def _table(n_groups: int, copies: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    right = np.repeat(rng.random(n_groups) < 0.8, copies)  # copies share their outcome
    label = np.where(rng.random(right.size) < 0.5, "a", "b").astype(object)
    other = np.where(label == "a", "b", "a")
    pred = np.where(right, label, other)
    frame = pd.DataFrame({"id": [str(i) for i in range(right.size)], "label": label})
    frame["split"] = "dev"
    frame["proba:a"] = np.where(pred == "a", 0.9, 0.1)
    frame["proba:b"] = 1 - frame["proba:a"]
    return frame


def test_groups_of_copies_widen_the_interval_and_single_rows_do_not():
    table = _table(150, 4)
    plain = metric_with_interval(table, "error")
    grouped = metric_with_interval(table, "error", groups=np.repeat(np.arange(150), 4))
    assert plain["interval"] == list(wilson(plain["dev_value"], 600))
    width = lambda m: m["interval"][1] - m["interval"][0]  # noqa: E731
    assert width(grouped) > 1.6 * width(plain) and grouped["groups"] == 150
    alone = metric_with_interval(table, "error", groups=np.arange(600))
    assert alone["interval"] == plain["interval"] and "groups" not in alone


def test_export_of_a_grouped_project_counts_groups(tmp_path, cli):
    root = tmp_path / "p"
    root.mkdir()
    (root / "yearn.toml").write_text(
        TRAIN_TOML.replace('id_column = "id"', 'id_column = "id"\ngroup_column = "patient"')
    )
    for name, n, seed in (("web", 240, 0), ("phone", 200, 1)):
        frame = toy_table(name, n, seed)
        frame["patient"] = [f"{name}-{i // 4}" for i in range(n)]
        frame.to_csv(root / f"{name}.csv", index=False)
    for args in (("split",), ("train", "--epochs", "2", "--width", "8")):
        result = cli(*args, "--project", root)
        assert result.exit_code == 0, result.output
    result = cli("export", "--project", root)
    assert result.exit_code == 0, result.output
    meta = json.loads(next((root / ".yearn" / "exports").glob("*/metadata.json")).read_text())
    assert meta["metric"]["groups"] < meta["metric"]["n"]
    assert f"in {meta['metric']['groups']:,} groups" in " ".join(result.output.split())
