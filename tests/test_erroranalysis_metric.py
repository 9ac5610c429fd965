"""Error-analysis ceilings under the project metric (issue 13 §2): 1-F1 with the tag fixed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.erroranalysis import sample_errors, summarize
from yearn.metrics import get_metric
from yearn.predictions import write_predictions


def _binary(tmp_path, n=400, seed=0):
    """20% positives, 30 false negatives and 20 false positives; returns table and path."""
    rng = np.random.default_rng(seed)
    label = (rng.random(n) < 0.2).astype(int)
    pred = label.copy()
    pos, neg = np.flatnonzero(label == 1), np.flatnonzero(label == 0)
    pred[pos[:30]] = 0
    pred[neg[:20]] = 1
    frame = pd.DataFrame(
        {"id": [f"r{i}" for i in range(n)], "split": "dev", "label": label, "pred": pred}
    )
    frame["proba:0"], frame["proba:1"] = 1.0 - 0.8 * pred - 0.1, 0.8 * pred + 0.1
    return frame, write_predictions(frame, tmp_path / "p.csv")


def _tag(sheet, frame, which):
    """Tag the sheet's sampled false negatives 'missed' and false positives 'alarm'."""
    by_id = frame.set_index("id")
    for ident in sheet.frame.loc[~sheet.frame["correct"], "id"]:
        row = by_id.loc[ident]
        tag = "missed" if row["label"] == 1 else "alarm"
        if tag in which:
            sheet.set_tags(ident, [tag])
    return sheet


def test_every_error_sampled_gives_the_exact_f1_ceiling(tmp_path):
    frame, path = _binary(tmp_path)
    sheet = _tag(sample_errors(path, n=100, n_correct=0), frame, {"missed", "alarm"})
    s = summarize(sheet, path, metric="f1")
    f1 = get_metric("f1")
    assert s.metric == "1-f1" and s.value == pytest.approx(f1.error(frame["label"], frame["pred"]))
    fixed = frame["pred"].where(frame["label"] != 1, 1)  # every false negative corrected
    missed = next(t for t in s.tags if t.tag == "missed")
    assert missed.ceiling_error == pytest.approx(f1.error(frame["label"], fixed))
    assert missed.ceiling_low == missed.ceiling_high == missed.ceiling_error
    assert "1-f1" in s.sentence(missed) and "1-f1" in s._repr_html_()
    data = s.to_dict()
    assert data["metric"] == "1-f1" and data["error"] == pytest.approx(50 / 400)


def test_sampled_errors_extrapolate_with_an_interval(tmp_path):
    frame, path = _binary(tmp_path, n=4000, seed=1)
    # 10x the errors: 300 false negatives and 200 false positives
    big = pd.concat([frame.assign(id=frame["id"] + f"_{k}") for k in range(10)])
    path = write_predictions(big, tmp_path / "big.csv")
    sheet = _tag(sample_errors(path, n=100, n_correct=0, random_state=0), big, {"missed"})
    s = summarize(sheet, path, metric="f1")
    missed = s.tags[0]
    # the high share would fix more false negatives than exist: capped at all of them
    assert missed.ceiling_low <= missed.ceiling_error < missed.ceiling_high < s.value
    f1 = get_metric("f1")
    truth = f1.error(big["label"], big["pred"].where(big["label"] != 1, 1))
    assert missed.ceiling_low <= truth <= missed.ceiling_high
    # a tag on every sampled error: all fixed, 1-F1 falls to 0
    sheet = _tag(sample_errors(path, n=100, n_correct=0), big, {"missed", "alarm"})
    for ident in sheet.frame["id"]:
        sheet.set_tags(ident, ["any"])
    assert summarize(sheet, path, metric="f1").tags[0].ceiling_error == pytest.approx(0.0)


def test_error_metric_keeps_todays_numbers(tmp_path):
    frame, path = _binary(tmp_path)
    sheet = sample_errors(path, n=30, n_correct=0, random_state=0)
    for k, ident in enumerate(sheet.frame["id"]):
        sheet.set_tags(ident, ["third"] if k % 3 == 0 else ["rest"])
    classic, named = summarize(sheet, path), summarize(sheet, path, metric="error")
    assert classic.to_dict() == named.to_dict() and named.metric == "error"
    # the generic path on 1-accuracy agrees with the error formula: to one example when
    # extrapolated (whole errors per confusion cell), exactly when every error is sampled
    generic = summarize(sheet, path, metric="accuracy")
    assert generic.metric == "1-accuracy"
    for a, b in zip(classic.tags, generic.tags, strict=True):
        assert a.ceiling_error == pytest.approx(b.ceiling_error, abs=1 / 400)
    full = _tag(sample_errors(path, n=100, n_correct=0), frame, {"missed", "alarm"})
    classic, generic = summarize(full, path), summarize(full, path, metric="accuracy")
    for a, b in zip(classic.tags, generic.tags, strict=True):
        assert a.ceiling_error == pytest.approx(b.ceiling_error, abs=1e-12)


def test_probability_metric_needs_every_error_or_says_error(tmp_path):
    frame, path = _binary(tmp_path)
    sheet = _tag(sample_errors(path, n=20, n_correct=0), frame, {"missed", "alarm"})
    s = summarize(sheet, path, metric="roc_auc")
    assert s.metric == "error" and any("every error in the worksheet" in n for n in s.notes)
    full = _tag(sample_errors(path, n=100, n_correct=0), frame, {"missed", "alarm"})
    s = summarize(full, path, metric="roc_auc")
    assert s.metric == "1-roc_auc" and all(t.ceiling_error < s.value for t in s.tags)


def test_cli_summary_metric(cli, tmp_path):
    frame, path = _binary(tmp_path)
    sheet = _tag(sample_errors(path, n=100, n_correct=0), frame, {"missed", "alarm"})
    sheet.save(tmp_path / "w.csv")
    args = ("errors", "summary", tmp_path / "w.csv", "--predictions", path, "--metric", "f1")
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["metric"] == "1-f1"
    result = cli(*args)
    assert result.exit_code == 0 and "1-f1" in result.output
