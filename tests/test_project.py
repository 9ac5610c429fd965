"""``yearn.project``: one way to find a command's predictions table, and the folder's paths."""

from __future__ import annotations

import pandas as pd
import pytest

from yearn import Project, read_predictions, resolve_predictions
from yearn.errors import ConfigError, PredictionsError, StoreError
from yearn.predictions import write_predictions


def _table(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "a", "b"],
            "split": ["dev"] * 4,
            "label": ["x", "y", "x", "y"],
            "pred": ["x", "x", "x", "y"],
            "model": ["m1", "m1", "m2", "m2"],
        }
    )
    return write_predictions(frame, tmp_path / "preds.csv")


def test_a_file_is_itself_and_a_model_can_be_picked(tmp_path) -> None:
    path = _table(tmp_path)
    assert resolve_predictions(path) == (path, "preds")
    preds = read_predictions(path, model="m2")
    assert preds.source == str(path) and len(preds.frame) == 2


def test_neither_source_nor_both_is_a_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="no predictions given"):
        resolve_predictions()
    with pytest.raises(ConfigError, match="not both"):
        resolve_predictions(_table(tmp_path), run="abc")


def test_a_run_id_without_a_store_names_the_missing_store(tmp_path) -> None:
    with pytest.raises(PredictionsError, match=r"no run store at .*runs\.db"):
        resolve_predictions("20260101-abc", project=tmp_path)
    with pytest.raises(StoreError, match="no completed run with predictions yet"):
        resolve_predictions(project=tmp_path)


def test_the_store_is_resolved_in_one_order(tmp_path, monkeypatch) -> None:
    project = Project(tmp_path)
    assert project.store_url is None and not project.has_store
    monkeypatch.setenv("YEARN_STORE_URL", "sqlite:///elsewhere.db")
    assert project.store_url == "sqlite:///elsewhere.db" and project.has_store
    assert Project(tmp_path, store_url="sqlite:///given.db").store_url == "sqlite:///given.db"
    assert project.paths.store_db == tmp_path / ".yearn" / "runs.db"
