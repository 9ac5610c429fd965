"""label_issues over predictions tables and projects; in-sample warnings; the CLI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from yearn.errors import PredictionsError, YearnError
from yearn.labels import InSampleWarning, label_issues, out_of_fold_predictions
from yearn.predictions import write_predictions


def blobs(n=400, k=3, flip=0.1, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    centres = np.array([[0, 0], [4, 0], [0, 4]])[:k]
    X = centres[y] + rng.normal(size=(n, 2))
    noisy = y.copy()
    rows = rng.choice(n, size=int(flip * n), replace=False)
    noisy[rows] = (y[rows] + rng.integers(1, k, size=len(rows))) % k
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "x1": X[:, 0], "x2": X[:, 1]})
    frame["label"] = np.array(["a", "b", "c"])[noisy]
    return frame, set(frame["id"].to_numpy()[rows])


@pytest.fixture(scope="module")
def oof_table():
    frame, flipped = blobs()
    preds = out_of_fold_predictions(frame, feature_columns=["x1", "x2"])
    table = preds.frame.copy()
    table["split"] = np.where(np.arange(len(table)) % 2 == 0, "dev", "test")
    return table, flipped


def test_flags_flipped_labels_with_noise_table_and_advice(oof_table, tmp_path):
    table, flipped = oof_table
    path = write_predictions(table, tmp_path / "p.parquet")
    result = label_issues(path)
    found = set(result.ids)
    assert len(found & flipped) / len(flipped) > 0.7
    assert len(found & flipped) / len(found) > 0.7
    assert list(result.issues.columns) == [
        "id", "split", "label", "suggested", "self_confidence", "rank",
    ]  # fmt: skip
    assert result.issues["self_confidence"].is_monotonic_increasing
    assert {"given", "true", "count", "rate"} <= set(result.noise.columns)
    assert result.noise["count"].sum() > 0
    # nearly every dev error here is a flipped label: relabelling pays
    assert result.share_of_error > 0.5 and result.worth_relabelling
    assert "worth relabelling" in result.advice
    d = result.to_dict(top=5)
    assert len(d["issues"]) == 5 and d["n_flagged"] == len(found)


def test_advice_says_not_worth_it_when_labels_explain_little():
    rng = np.random.default_rng(1)
    n = 400
    label = rng.integers(0, 2, size=n)
    wrong = rng.random(n) < 0.25  # model errors, never confident: not label issues
    p_label = np.where(wrong, 0.45, 0.9) + rng.uniform(-0.02, 0.02, n)
    p1 = np.where(label == 1, p_label, 1 - p_label)
    frame = pd.DataFrame({"id": range(n), "split": "dev", "label": label})
    frame["proba:0"], frame["proba:1"] = 1 - p1, p1
    result = label_issues(frame)
    assert result.dev_error > 0.15
    assert result.share_of_error < 0.25 and not result.worth_relabelling
    assert "not worth" in result.advice


def test_in_sample_train_probabilities_warn(oof_table):
    table, _ = oof_table
    train = table.copy()
    train["split"] = "train"
    labels = train["label"].to_numpy()
    for c in ("a", "b", "c"):
        train[f"proba:{c}"] = np.where(labels == c, 0.98, 0.01)
    with pytest.warns(InSampleWarning, match="look in-sample"):
        label_issues(train, splits=["train"])
    with pytest.warns(InSampleWarning, match="are in-sample"):
        label_issues(table, probabilities="in_sample")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        label_issues(train, splits=["train"], probabilities="out_of_sample")


def test_bad_tables(oof_table):
    table, _ = oof_table
    bad = table.copy()
    bad.loc[3, "proba:a"] = bad.loc[3, "proba:a"] + 0.3
    with pytest.raises(PredictionsError, match=r"row 5.*sum to"):
        label_issues(bad)
    with pytest.raises(PredictionsError, match="no train_dev, dev or test"):
        label_issues(table.assign(split="train"))
    reg = pd.DataFrame({"id": [1, 2], "split": "dev", "label": [1.0, 2.0], "pred": [1.0, 2.5]})
    with pytest.raises(PredictionsError, match="single-label classification"):
        label_issues(reg)
    with pytest.raises(YearnError, match="probabilities must be one of"):
        label_issues(table, probabilities="maybe")


def test_cli_predictions_json_and_csv(cli, oof_table, tmp_path):
    table, _ = oof_table
    path = write_predictions(table, tmp_path / "p.csv")
    out = tmp_path / "issues.csv"
    result = cli("label-issues", "--predictions", path, "--json", "--top", "3", "--out", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # --top sizes the printed table only: the JSON carries every flagged row
    assert len(data["issues"]) == data["n_flagged"] > 3 and data["worth_relabelling"] is True
    written = pd.read_csv(out)
    assert len(written) == data["n_flagged"]
    result = cli("label-issues", "--predictions", path)
    assert result.exit_code == 0 and "worth relabelling" in " ".join(result.output.split())


def test_cli_in_sample_flag_warns(cli, oof_table, tmp_path):
    table, _ = oof_table
    path = write_predictions(table, tmp_path / "p.csv")
    result = cli("label-issues", "--predictions", path, "--in-sample")
    assert result.exit_code == 0 and "in-sample" in result.output


def test_cli_project_out_of_fold(cli, tmp_path):
    frame, flipped = blobs(n=300)
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(
        '[project]\nname = "blobs"\ntask = "multiclass"\nlabel_column = "label"\n'
        'id_column = "id"\n\n[[sources]]\nname = "main"\npath = "data.csv"\nrole = "train"\n'
    )
    result = cli("label-issues", "--project", tmp_path, "--json", "--top", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    found = {r["id"] for r in data["issues"]}
    assert len(found & flipped) / len(flipped) > 0.7
    assert data["splits"] == ["train"] and data["dev_error"] is None


def test_cli_needs_exactly_one_source(cli, tmp_path):
    result = cli("label-issues")
    assert result.exit_code == 2 and "exactly one" in result.output
    result = cli("label-issues", "--predictions", tmp_path / "missing.parquet")
    assert result.exit_code == 2 and "not found" in result.output


def test_cli_probabilities_not_summing_to_one(cli, oof_table, tmp_path):
    table, _ = oof_table
    bad = table.copy()
    bad.loc[0, "proba:b"] = 0.9
    bad.loc[0, "proba:a"] = 0.9
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    result = cli("label-issues", "--predictions", path)
    out = " ".join(result.output.split())
    assert result.exit_code == 2 and "row 2" in out and "not 1" in out
