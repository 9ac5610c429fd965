"""Label-issue share in the project metric (issue 13 §2): 1-F1 with flagged labels corrected."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from tests.test_labels_overlap import BAYES_10, _dev_table
from yearn.labels import label_issues
from yearn.metrics import get_metric


def _issues(frame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return label_issues(frame, **kw)


def _true_f1_share(flip, mu, seed=0):
    """The share of dev 1-F1 that the truly flipped labels cause (labels set back)."""
    frame, _ = _dev_table(flip, mu, seed)
    rng = np.random.default_rng(seed)  # replay the draws of _dev_table to know the flips
    truth = {}
    for name, n in (("train", 4000), ("dev", 2000)):
        y = rng.integers(0, 2, n)
        rng.normal(size=(n, 3))
        flipped = rng.random(n) < flip
        truth[name] = (y, flipped)
    y, flipped = truth["dev"]
    label = (frame["label"] == "b").to_numpy().astype(int)
    pred = (frame["pred"] == "b").to_numpy().astype(int)
    fixed = np.where(flipped & (pred == y) & (pred != label), y, label)
    f1 = get_metric("f1")
    now = f1.error(label, pred)
    return frame, (now - f1.error(fixed, pred)) / now


def test_share_of_1_minus_f1_from_wrong_labels_matches_the_truth():
    frame, truth = _true_f1_share(0.05, 3.0)
    assert truth > 0.3
    result = _issues(frame, metric="f1", human_level=0.001)
    assert result.metric == "1-f1"
    assert result.share_of_error == pytest.approx(truth, abs=0.1)
    assert "1-f1" in result.advice and result.worth_relabelling
    d = result.to_dict()
    assert d["metric"] == "1-f1" and d["dev_metric"] == pytest.approx(
        get_metric("f1").error(frame["label"] == "b", frame["pred"] == "b")
    )


def test_no_wrong_labels_no_f1_share_claimed():
    frame, _ = _dev_table(0.0, BAYES_10)
    result = _issues(frame, metric="f1", human_level=0.10)
    assert result.metric == "1-f1"
    assert result.share_of_error < 0.15 and not result.worth_relabelling
    clean, _ = _dev_table(0.0, 3.0)  # Bayes error 0.13%: a handful of errors, none a label
    assert not _issues(clean, metric="f1", human_level=0.001).worth_relabelling


def test_error_metric_is_unchanged():
    frame, _ = _dev_table(0.03, BAYES_10)
    assert (
        _issues(frame, human_level=0.1).to_dict()
        == _issues(frame, human_level=0.1, metric="error").to_dict()
    )


def test_cli_metric(cli, tmp_path):
    frame, _ = _dev_table(0.05, 3.0)
    path = tmp_path / "preds.csv"
    frame.to_csv(path, index=False)
    r = cli("label-issues", "--predictions", path, "--metric", "f1", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["metric"] == "1-f1" and 0 < out["share_of_error"] <= 1
    r = cli("label-issues", "--predictions", path, "--metric", "f1")
    assert r.exit_code == 0 and "dev 1-f1" in r.output
