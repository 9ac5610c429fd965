"""The share of dev error due to wrong labels, corrected for class overlap (issue 13):
confident learning flags examples near an overlapping class boundary too."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yearn.labels import label_issues

BAYES_10 = 1.2816  # class means ±mu, unit variance: Bayes error Φ(−mu) = 10%


def _dev_table(flip: float, mu: float, seed: int = 0) -> tuple[pd.DataFrame, float]:
    """Dev predictions of a logistic model trained on noisy labels; the true share of dev
    errors caused by the flipped labels."""
    rng = np.random.default_rng(seed)

    def make(n):
        y = rng.integers(0, 2, n)
        x = rng.normal(size=(n, 3))
        x[:, 0] += np.where(y == 1, mu, -mu)
        flipped = rng.random(n) < flip
        return x, y, np.where(flipped, 1 - y, y), flipped

    xt, _, gt, _ = make(4000)
    xd, yd, gd, fd = make(2000)
    p = LogisticRegression().fit(xt, gt).predict_proba(xd)
    pred = p.argmax(axis=1)
    wrong = pred != gd
    truth = float((wrong & fd & (pred == yd)).mean() / wrong.mean())
    frame = pd.DataFrame(
        {
            "id": np.arange(len(gd)),
            "split": "dev",
            "label": np.where(gd == 1, "b", "a"),
            "pred": np.where(pred == 1, "b", "a"),
            "proba:a": p[:, 0],
            "proba:b": p[:, 1],
        }
    )
    return frame, truth


def _issues(frame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return label_issues(frame, **kw)


def test_overlap_without_wrong_labels_is_not_called_label_noise():
    frame, truth = _dev_table(0.0, BAYES_10)
    assert truth == 0.0
    raw = _issues(frame)
    assert raw.share_of_error > 0.25 and raw.upper_bound  # flags from the class boundary
    assert "upper bound" in raw.advice and "at most" in raw.advice
    fixed = _issues(frame, human_level=0.10)
    assert fixed.share_of_error < 0.15 and not fixed.worth_relabelling
    assert "corrected for class overlap" in fixed.advice


@pytest.mark.parametrize("flip", [0.03, 0.08])
def test_overlap_with_wrong_labels_is_bounded_near_the_truth(flip):
    frame, truth = _dev_table(flip, BAYES_10)
    raw = _issues(frame).share_of_error
    fixed = _issues(frame, human_level=0.10)
    assert raw - truth > 0.15  # issue 13: 48.6% said for a true 22%
    assert abs(fixed.share_of_error - truth) < 0.1
    assert abs(fixed.share_of_error - truth) < 0.5 * (raw - truth)  # at least halves the error
    assert "corrected for class overlap" in fixed.advice


def test_without_overlap_the_share_is_exact():
    frame, truth = _dev_table(0.05, 3.0)
    fixed = _issues(frame, human_level=0.001)
    assert not fixed.upper_bound and fixed.share_of_error == pytest.approx(truth, abs=0.1)
    assert fixed.worth_relabelling and "about" in fixed.advice


def test_cli_human_level_and_json(cli, tmp_path):
    frame, _ = _dev_table(0.0, BAYES_10)
    path = tmp_path / "preds.csv"
    frame.to_csv(path, index=False)
    r = cli("label-issues", "--predictions", path, "--human", "10%", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["human_level"] == pytest.approx(0.10) and not out["share_is_upper_bound"]
    assert out["share_of_error"] < 0.15 < out["dev_error_flagged"] / out["dev_error"]
