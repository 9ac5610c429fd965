"""Label-free F1 / precision / recall / error (expected confusion matrix from calibrated
probabilities): the interval covers the true metric under covariate shift without concept
drift (>= 90% of windows), also with no shift at all (null case), and stops covering it
when the concept drifts (the check can fail); metrics it cannot estimate say why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.metrics import get_metric
from yearn.monitor import (
    ClassCalibration,
    Reference,
    confusion_metric,
    monitor,
    not_estimated_reason,
)

METRICS = ("f1", "precision", "recall", "error")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _window(rng, n, shift, *, concept_drift=False):
    """Scores of a fixed, over-confident and biased model; labels from the true P(y | x)."""
    x = rng.normal(shift, 1.0, size=(n, 2))
    logit = 1.2 * x[:, 0] - 0.8 * x[:, 1] - 0.5
    y = rng.random(n) < _sigmoid(logit)
    if concept_drift:  # the answer flips in a region, the inputs do not change
        y = np.where(x[:, 0] > 0.5, ~y, y)
    return x, _sigmoid(2.0 * logit + 0.4), y


@pytest.fixture(scope="module")
def calibration():
    _, score, y = _window(np.random.default_rng(0), 4000, 0.0)
    return ClassCalibration.fit(score, y, score >= 0.5, positive="1", n_boot=50, random_state=0)


def _coverage(calibration, rng, shifts, **kw):
    covered = dict.fromkeys(METRICS, 0)
    for w, shift in enumerate(shifts):
        _, score, y = _window(rng, 1000, shift, **kw)
        pred = score >= 0.5
        counts = (y & pred, ~y & pred, y & ~pred, ~y & ~pred)
        tp, fp, fn, tn = (int(c.sum()) for c in counts)
        for est in calibration.estimate(score, pred, METRICS, draws=1000, random_state=w):
            true = confusion_metric(est.metric, tp, fp, fn, tn)
            covered[est.metric] += est.low <= true <= est.high
    return {m: c / len(shifts) for m, c in covered.items()}


def test_interval_covers_the_true_metric_under_covariate_shift(calibration):
    rng = np.random.default_rng(1)
    shifts = rng.uniform(-1.0, 1.0, 80)  # the inputs move; P(y | x) does not
    coverage = _coverage(calibration, rng, shifts)
    assert min(coverage.values()) >= 0.90, coverage


def test_null_case_no_shift_covers_and_matches_dev(calibration):
    rng = np.random.default_rng(2)
    coverage = _coverage(calibration, rng, np.zeros(40))
    assert min(coverage.values()) >= 0.90, coverage
    _, score, _ = _window(rng, 20_000, 0.0)
    for est in calibration.estimate(score, score >= 0.5, METRICS, random_state=0):
        assert est.low <= calibration.dev_value(est.metric) <= est.high  # no change claimed


def test_concept_drift_breaks_the_estimate(calibration):
    rng = np.random.default_rng(3)
    coverage = _coverage(calibration, rng, np.zeros(20), concept_drift=True)
    assert max(coverage.values()) <= 0.5, coverage  # the check can fail: CBPE assumes no drift


def test_confusion_metrics_match_the_metric_registry():
    rng = np.random.default_rng(4)
    y, p = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    tp, fp = int(np.sum((y == 1) & (p == 1))), int(np.sum((y == 0) & (p == 1)))
    fn, tn = int(np.sum((y == 1) & (p == 0))), int(np.sum((y == 0) & (p == 0)))
    for name in ("f1", "precision", "recall", "error", "accuracy", "f1_macro", "f1_micro"):
        expected = get_metric(name).score(y, p, classes=[0, 1])
        assert confusion_metric(name, tp, fp, fn, tn) == pytest.approx(expected), name
    assert confusion_metric("1-f1", tp, fp, fn, tn) == pytest.approx(
        1 - get_metric("f1").score(y, p, classes=[0, 1])
    )


def test_metrics_that_cannot_be_estimated_say_why():
    assert not_estimated_reason("f1", "binary") is None
    assert not_estimated_reason("1-f1", "binary") is None
    assert "confusion matrix" in not_estimated_reason("roc_auc", "binary")
    assert "regression" in not_estimated_reason("rmse", "regression")
    assert "multiclass" in not_estimated_reason("f1_macro", "multiclass")


def test_monitor_reports_estimates_per_window_and_the_reasons(calibration):
    rng = np.random.default_rng(5)
    frames = []
    for shift in (0.0, 1.0):
        x, score, _ = _window(rng, 2000, shift)
        frames.append(
            pd.DataFrame(
                {
                    "x0": x[:, 0],
                    "x1": x[:, 1],
                    "pred": np.where(score >= 0.5, "1", "0"),
                    "proba:0": 1 - score,
                    "proba:1": score,
                }
            )
        )
    reference = Reference.build(frames[0][["x0", "x1"]])
    result = monitor(
        reference,
        pd.concat(frames, ignore_index=True),
        window="2000rows",
        class_calibration=calibration,
        metrics=("f1", "error"),
        not_estimated={"roc_auc": not_estimated_reason("roc_auc", "binary")},
        domain=False,
    )
    assert [[m.metric for m in w.metrics] for w in result.windows] == [["f1", "error"]] * 2
    for w in result.windows:
        assert all(m.low <= m.value <= m.high and m.n == 2000 for m in w.metrics)
    summary = result.summary_frame()
    assert {"estimated_f1", "f1_low", "f1_high", "estimated_error"} <= set(summary.columns)
    assert any(n.startswith("roc_auc is not estimated without labels") for n in result.notes)
    assert result.to_dict()["windows"][1]["metrics"][0]["metric"] == "f1"
    assert result.settings["dev_metrics"]["f1"] == calibration.dev_value("f1")


def _log(rng, shifts, n=2000):
    """A production table of windows of ``n`` rows, one per shift (model scores only)."""
    frames = []
    for shift in shifts:
        x, score, _ = _window(rng, n, shift)
        frames.append(
            pd.DataFrame(
                {
                    "x0": x[:, 0],
                    "x1": x[:, 1],
                    "pred": np.where(score >= 0.5, "1", "0"),
                    "proba:0": 1 - score,
                    "proba:1": score,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _drops(calibration, shifts, seed):
    rng = np.random.default_rng(seed)
    reference = Reference.build(_log(rng, [0.0], 4000)[["x0", "x1"]])
    result = monitor(
        reference,
        _log(rng, shifts),
        window="2000rows",
        class_calibration=calibration,
        metrics=("f1", "error"),
        verdict_metric="f1",
        domain=False,
    )
    return result, [
        w for w in result.windows if any(r.startswith("performance drop") for r in w.reasons)
    ]


def test_no_drop_of_the_project_metric_is_named_without_a_change(calibration):
    result, dropped = _drops(calibration, [0.0] * 20, seed=6)
    assert len(dropped) <= 1, [w.reasons for w in dropped]  # one-sided 1% per window
    assert result.settings["verdict_metric"] == "f1"


def test_f1_drop_is_named_even_when_the_error_improves(calibration):
    _, dropped = _drops(calibration, [-1.5, -1.5], seed=7)
    assert len(dropped) == 2
    for w in dropped:
        f1, error = w.metrics
        assert f1.high < calibration.dev_value("f1")
        assert error.value < calibration.dev_value("error")  # accuracy alone says: better
        assert w.verdict == "performance drop"
        assert any(r.startswith("performance drop: estimated (no labels) f1") for r in w.reasons)


def test_labelled_rows_give_the_project_metric_with_an_interval(calibration):
    rng = np.random.default_rng(8)
    frames, truths = [], []
    for concept_drift in (False, True):
        x, score, y = _window(rng, 2000, 0.0, concept_drift=concept_drift)
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"{int(concept_drift)}-{i}" for i in range(2000)],
                    "x0": x[:, 0],
                    "pred": np.where(score >= 0.5, "1", "0"),
                    "proba:0": 1 - score,
                    "proba:1": score,
                }
            )
        )
        truths.append(np.where(y, "1", "0"))
    log = pd.concat(frames, ignore_index=True)
    labels = pd.DataFrame({"id": log["id"], "label": np.concatenate(truths)}).sample(
        1000, random_state=0
    )
    kw = {"window": "2000rows", "labels": labels, "class_calibration": calibration}
    result = monitor(Reference.build(log[["x0"]]), log, metrics=("f1",), label_metric="f1", **kw)
    for w, rows in zip(result.windows, (slice(0, 2000), slice(2000, 4000)), strict=True):
        part = log.iloc[rows].merge(labels, on="id")
        expected = get_metric("f1").score(part["label"], part["pred"], classes=["0", "1"])
        m = w.labelled_metric
        assert m.metric == "f1" and m.n == len(part) and m.value == pytest.approx(expected)
        assert m.low < m.value < m.high
    fine, drifted = result.windows
    assert fine.metrics[0].low <= fine.labelled_metric.value <= fine.metrics[0].high
    assert drifted.labelled_metric.high < drifted.metrics[0].low  # the concept moved
    auc = monitor(Reference.build(log[["x0"]]), log, label_metric="roc_auc", **kw)
    assert all(0.5 < w.labelled_metric.value <= 1 for w in auc.windows[:1])


def test_regression_labels_give_rmse_and_no_accuracy():
    rng = np.random.default_rng(9)
    x = rng.normal(size=600)
    log = pd.DataFrame({"id": np.arange(600).astype(str), "x": x, "pred": 2 * x})
    truth = 2 * x + rng.normal(0, 0.5, 600)
    labels = pd.DataFrame({"id": log["id"], "label": truth})
    result = monitor(
        Reference.build(log[["x"]]), log, window="600rows", labels=labels, label_metric="rmse"
    )
    w = result.windows[0]
    assert w.labelled is None  # right / wrong means nothing for numbers
    assert w.labelled_metric.value == pytest.approx(np.sqrt(np.mean((truth - 2 * x) ** 2)))
    assert w.labelled_metric.low < 0.5 < w.labelled_metric.high
