"""The metric registry, tested against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from yearn.errors import ConfigError, DataError, PredictionsError
from yearn.metrics import (
    Metric,
    available_metrics,
    error_from_predictions,
    get_metric,
    score_predictions,
)
from yearn.predictions import load_predictions

rng = np.random.default_rng(0)
N = 200
Y_BIN = rng.integers(0, 2, N)
P_BIN = np.clip(Y_BIN * 0.4 + rng.random(N) * 0.6, 0, 1)
PRED_BIN = (P_BIN > 0.5).astype(int)
Y_MC = rng.integers(0, 3, N)
_raw = rng.random((N, 3)) + np.eye(3)[Y_MC] * 0.8
P_MC = _raw / _raw.sum(axis=1, keepdims=True)
PRED_MC = P_MC.argmax(axis=1)
Y_REG = rng.normal(size=N)
PRED_REG = Y_REG + rng.normal(scale=0.5, size=N)


def test_names() -> None:
    assert available_metrics() == [
        "error",
        "accuracy",
        "precision",
        "recall",
        "f1",
        "f1_macro",
        "f1_micro",
        "roc_auc",
        "log_loss",
        "map",
        "rmse",
        "mae",
    ]
    for name in available_metrics():
        m = get_metric(name)
        assert isinstance(m, Metric) and m.name == name
    assert get_metric("AUC").name == "roc_auc"
    assert get_metric("f1-macro").name == "f1_macro"


def test_unknown_metric_lists_known() -> None:
    with pytest.raises(ConfigError, match=r"unknown metric 'f2'.*error, accuracy.*mae"):
        get_metric("f2")


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("accuracy", lambda: skm.accuracy_score(Y_BIN, PRED_BIN)),
        ("error", lambda: 1 - skm.accuracy_score(Y_BIN, PRED_BIN)),
        ("precision", lambda: skm.precision_score(Y_BIN, PRED_BIN)),
        ("recall", lambda: skm.recall_score(Y_BIN, PRED_BIN)),
        ("f1", lambda: skm.f1_score(Y_BIN, PRED_BIN)),
        ("f1_macro", lambda: skm.f1_score(Y_BIN, PRED_BIN, average="macro")),
        ("f1_micro", lambda: skm.f1_score(Y_BIN, PRED_BIN, average="micro")),
    ],
)
def test_binary_label_metrics_match_sklearn(name, ref) -> None:
    assert get_metric(name).score(Y_BIN, PRED_BIN) == pytest.approx(ref(), abs=1e-12)


def test_binary_proba_metrics_match_sklearn() -> None:
    proba = np.column_stack([1 - P_BIN, P_BIN])
    assert get_metric("roc_auc").score(Y_BIN, proba=proba) == pytest.approx(
        skm.roc_auc_score(Y_BIN, P_BIN)
    )
    assert get_metric("roc_auc").score(Y_BIN, proba=P_BIN) == pytest.approx(
        skm.roc_auc_score(Y_BIN, P_BIN)
    )
    assert get_metric("log_loss").score(Y_BIN, proba=proba) == pytest.approx(
        skm.log_loss(Y_BIN, proba)
    )
    # y_pred derived from the probabilities when absent
    assert get_metric("error").score(Y_BIN, proba=proba) == pytest.approx(
        1 - skm.accuracy_score(Y_BIN, proba.argmax(axis=1))
    )


def test_string_labels_and_pos_label() -> None:
    y = np.where(Y_BIN == 1, "spam", "ham")
    p = np.where(PRED_BIN == 1, "spam", "ham")
    f1 = get_metric("f1")
    assert f1.score(y, p) == pytest.approx(skm.f1_score(y, p, pos_label="spam"))
    assert f1.score(y, p, pos_label="ham") == pytest.approx(skm.f1_score(y, p, pos_label="ham"))
    # labels as strings, classes given as ints: the same classes
    assert f1.score(Y_BIN.astype(str), PRED_BIN, classes=[0, 1]) == pytest.approx(
        skm.f1_score(Y_BIN, PRED_BIN)
    )


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("accuracy", lambda: skm.accuracy_score(Y_MC, PRED_MC)),
        ("f1_macro", lambda: skm.f1_score(Y_MC, PRED_MC, average="macro")),
        ("f1_micro", lambda: skm.f1_score(Y_MC, PRED_MC, average="micro")),
        ("roc_auc", lambda: skm.roc_auc_score(Y_MC, P_MC, multi_class="ovr")),
        ("log_loss", lambda: skm.log_loss(Y_MC, P_MC)),
    ],
)
def test_multiclass_metrics_match_sklearn(name, ref) -> None:
    assert get_metric(name).score(Y_MC, PRED_MC, P_MC) == pytest.approx(ref(), abs=1e-12)


def test_regression_metrics_match_sklearn() -> None:
    assert get_metric("rmse").score(Y_REG, PRED_REG) == pytest.approx(
        skm.root_mean_squared_error(Y_REG, PRED_REG)
    )
    assert get_metric("mae").score(Y_REG, PRED_REG) == pytest.approx(
        skm.mean_absolute_error(Y_REG, PRED_REG)
    )


def test_map_ignores_unknown_labels() -> None:
    y = rng.integers(0, 2, (N, 4)).astype(float)
    p = np.clip(y * 0.3 + rng.random((N, 4)) * 0.7, 0, 1)
    ref = skm.average_precision_score(y, p, average="macro")
    assert get_metric("map").score(y, proba=p) == pytest.approx(ref)
    y_missing = y.copy()
    y_missing[:50, 0] = np.nan
    expected = np.mean(
        [skm.average_precision_score(y[50:, 0], p[50:, 0])]
        + [skm.average_precision_score(y[:, t], p[:, t]) for t in range(1, 4)]
    )
    assert get_metric("map").score(y_missing, proba=p) == pytest.approx(expected)


def test_error_forms() -> None:
    cases = {
        "accuracy": "1-accuracy",
        "f1_macro": "1-f1_macro",
        "roc_auc": "1-roc_auc",
        "error": "error",
        "rmse": "rmse",
        "log_loss": "log_loss",
    }
    for name, err_name in cases.items():
        assert get_metric(name).error_name == err_name
    m = get_metric("f1_macro")
    assert m.error(Y_MC, PRED_MC) == pytest.approx(1 - skm.f1_score(Y_MC, PRED_MC, average="macro"))
    assert get_metric("rmse").error(Y_REG, PRED_REG) == get_metric("rmse").score(Y_REG, PRED_REG)
    assert get_metric("error").higher_is_better is False
    assert get_metric("roc_auc").needs_proba is True


def test_metric_not_fitting_task() -> None:
    with pytest.raises(ConfigError, match=r"'rmse' applies to regression.*binary task.*error"):
        get_metric("rmse").score(Y_BIN, PRED_BIN, task="binary")
    with pytest.raises(DataError, match=r"regression metric.*non-numeric"):
        get_metric("rmse").score(["a", "b"], ["a", "a"])
    with pytest.raises(ConfigError, match=r"binary metric.*3 classes.*f1_macro"):
        get_metric("f1").score(Y_MC, PRED_MC)
    with pytest.raises(DataError, match="needs predicted probabilities"):
        get_metric("roc_auc").score(Y_BIN, PRED_BIN)


def test_bad_inputs() -> None:
    acc = get_metric("accuracy")
    with pytest.raises(DataError, match="3 labels but y_pred has 2"):
        acc.score([0, 1, 1], [0, 1])
    with pytest.raises(DataError, match="empty"):
        acc.score([], [])
    with pytest.raises(DataError, match="y_true row 1 is missing"):
        acc.score([0.0, np.nan], [0, 1])
    with pytest.raises(DataError, match="y_pred row 0 is 'cat', not one of the classes"):
        acc.score([0, 1], ["cat", 1], classes=[0, 1])
    with pytest.raises(DataError, match="non-finite"):
        get_metric("log_loss").score([0, 1], proba=[[0.5, np.nan], [0.5, 0.5]])
    with pytest.raises(DataError, match="row 1 is inf"):
        get_metric("mae").score([0.0, np.inf], [0.0, 1.0])
    with pytest.raises(DataError, match="one class only"):
        get_metric("roc_auc").score([1, 1, 1], proba=[0.2, 0.4, 0.9], classes=[0, 1])
    with pytest.raises(DataError, match="needs y_pred or proba"):
        acc.score([0, 1])


def _table(tmp_path, frame: pd.DataFrame, name: str = "p.parquet"):
    path = tmp_path / name
    frame.to_parquet(path)
    return path


def test_score_predictions_binary_file(tmp_path) -> None:
    frame = pd.DataFrame(
        {
            "id": np.arange(N),
            "split": "dev",
            "label": np.where(Y_BIN == 1, "dog", "cat"),
            "proba:cat": 1 - P_BIN,
            "proba:dog": P_BIN,
        }
    )
    path = _table(tmp_path, frame)
    preds = load_predictions(path)
    y = Y_BIN
    pred = (P_BIN > 0.5).astype(int)
    assert score_predictions(preds, "f1") == pytest.approx(skm.f1_score(y, pred))
    assert score_predictions(path, "roc_auc") == pytest.approx(skm.roc_auc_score(y, P_BIN))
    assert score_predictions(preds, "f1", pos_label="cat") == pytest.approx(
        skm.f1_score(y, pred, pos_label=0)
    )
    assert error_from_predictions(preds, "accuracy") == pytest.approx(preds.error_rate())
    with pytest.raises(ConfigError, match="'mae' applies to regression"):
        score_predictions(preds, "mae")


def test_score_predictions_pred_only_and_regression(tmp_path) -> None:
    frame = pd.DataFrame({"id": range(N), "split": "dev", "label": Y_MC, "pred": PRED_MC})
    preds = load_predictions(frame, task="multiclass")
    assert score_predictions(preds, "f1_macro") == pytest.approx(
        skm.f1_score(Y_MC, PRED_MC, average="macro")
    )
    with pytest.raises(DataError, match="needs predicted probabilities"):
        score_predictions(preds, "log_loss")
    reg = pd.DataFrame({"id": range(N), "split": "dev", "label": Y_REG, "pred": PRED_REG})
    assert error_from_predictions(reg, "rmse") == pytest.approx(
        skm.root_mean_squared_error(Y_REG, PRED_REG)
    )


def test_score_predictions_multilabel() -> None:
    y = rng.integers(0, 2, (50, 2)).astype(float)
    p = rng.random((50, 2))
    frame = pd.DataFrame(
        {
            "id": range(50),
            "split": "dev",
            "label:a": y[:, 0],
            "label:b": y[:, 1],
            "proba:a": p[:, 0],
            "proba:b": p[:, 1],
        }
    )
    frame.loc[:4, "label:a"] = None
    expected = np.mean(
        [
            skm.average_precision_score(y[5:, 0], p[5:, 0]),
            skm.average_precision_score(y[:, 1], p[:, 1]),
        ]
    )
    assert score_predictions(frame, "map") == pytest.approx(expected)


def test_score_predictions_refuses_mixed_tables() -> None:
    frame = pd.DataFrame(
        {"id": [1, 2, 1, 2], "split": "dev", "label": [0, 1, 0, 1], "pred": [0, 1, 1, 1]}
    )
    frame["model"] = ["a", "a", "b", "b"]
    with pytest.raises(PredictionsError, match="holds 2 models"):
        score_predictions(load_predictions(frame, task="binary"), "error")
    mixed = pd.DataFrame({"id": [1, 2], "split": ["dev", "test"], "label": [0, 1], "pred": [0, 1]})
    with pytest.raises(PredictionsError, match="mixes splits"):
        score_predictions(load_predictions(mixed, task="binary"), "error")


@pytest.mark.parametrize("seed", range(8))
def test_random_small_inputs_match_sklearn(seed) -> None:
    # small samples, absent classes, ties in the scores: the edge cases of the fast paths
    r = np.random.default_rng(seed)
    n, k = int(r.integers(5, 40)), int(r.integers(2, 5))
    y = r.integers(0, k, n)
    y[:k] = np.arange(k)  # every class among the labels
    pred = r.integers(0, k - 1, n)  # the last class is never predicted
    raw = np.round(r.random((n, k)), 1) + 1e-3
    proba = raw / raw.sum(axis=1, keepdims=True)
    for avg in ("macro", "micro"):
        assert get_metric(f"f1_{avg}").score(y, pred) == pytest.approx(
            skm.f1_score(y, pred, average=avg, zero_division=0.0)
        )
    if k == 2:
        assert get_metric("roc_auc").score(y, proba=proba) == pytest.approx(
            skm.roc_auc_score(y, proba[:, 1])
        )
        for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score)):
            assert get_metric(name).score(y, pred) == pytest.approx(fn(y, pred, zero_division=0.0))
    else:
        assert get_metric("roc_auc").score(y, proba=proba) == pytest.approx(
            skm.roc_auc_score(y, proba, multi_class="ovr")
        )
    assert get_metric("log_loss").score(y, proba=proba) == pytest.approx(
        skm.log_loss(y, proba, labels=list(range(k)))
    )


def test_score_predictions_label_pred_files_read_as_classification(tmp_path) -> None:
    # without proba: columns the contract reads a table as regression; a classification
    # metric reads it as classification (numeric or text labels, CSV or Parquet)
    frame = pd.DataFrame({"id": range(6), "split": "dev", "label": [0, 1, 1, 0, 1, 1]})
    frame["pred"] = [0, 1, 0, 0, 1, 0]
    frame.to_csv(tmp_path / "p.csv", index=False)
    frame.assign(
        label=frame.label.map({0: "no", 1: "yes"}), pred=frame.pred.map({0: "no", 1: "yes"})
    ).to_parquet(tmp_path / "t.parquet")
    assert score_predictions(tmp_path / "p.csv", "error") == pytest.approx(2 / 6)
    assert score_predictions(tmp_path / "t.parquet", "f1") == pytest.approx(
        skm.f1_score(frame.label, frame.pred)
    )
    assert score_predictions(tmp_path / "p.csv", "mae") == pytest.approx(2 / 6)  # as regression


def test_error_form_names_are_metrics() -> None:
    m = get_metric("1-f1")
    assert (m.name, m.higher_is_better, m.error_name) == ("1-f1", False, "1-f1")
    assert m.score(Y_BIN, PRED_BIN) == pytest.approx(1 - skm.f1_score(Y_BIN, PRED_BIN))
    assert m.error(Y_BIN, PRED_BIN) == m.score(Y_BIN, PRED_BIN)
    assert get_metric("1-Accuracy").score(Y_MC, PRED_MC) == pytest.approx(
        get_metric("error").score(Y_MC, PRED_MC)
    )
    with pytest.raises(ConfigError, match="already lower-is-better"):
        get_metric("1-rmse")
    with pytest.raises(ConfigError, match="unknown metric 'f3'"):
        get_metric("1-f3")


def test_multilabel_error_over_known_labels() -> None:
    y = np.array([[1, 0], [0, np.nan], [1, 1], [np.nan, 0]], dtype=float)
    p = np.array([[0.9, 0.6], [0.2, 0.9], [0.4, 0.7], [0.5, 0.1]])
    # decisions at 0.5: [[1,1],[0,1],[0,1],[1,0]]; known entries 6, wrong: (0,1) and (2,0)
    assert get_metric("error").score(y, proba=p) == pytest.approx(2 / 6)
    assert get_metric("accuracy").score(y, proba=p) == pytest.approx(4 / 6)
    decisions = np.array([[1, 0], [0, 0], [1, 1], [0, 0]])
    assert get_metric("error").score(y, decisions) == pytest.approx(0.0)
    frame = pd.DataFrame(
        {"id": range(4), "split": "dev", "label:a": y[:, 0], "label:b": y[:, 1],
         "proba:a": p[:, 0], "proba:b": p[:, 1]}
    )  # fmt: skip
    assert score_predictions(frame, "error") == pytest.approx(2 / 6)
    with_pred = frame.assign(**{"pred:a": decisions[:, 0], "pred:b": decisions[:, 1]})
    assert score_predictions(with_pred, "error") == pytest.approx(0.0)
    with pytest.raises(DataError, match="0/1 decisions"):
        get_metric("error").score(y, np.full((4, 2), 0.3))


def test_average_precision_equals_scikit_learn_with_ties():
    """map's average precision (numpy, fast enough to bootstrap per slice) is scikit-learn's."""
    from sklearn.metrics import average_precision_score

    from yearn.metrics._impl import average_precision

    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(2, 300))
        y = (rng.random(n) < rng.random()).astype(float)
        y[0] = 1.0
        score = np.round(rng.random(n), int(rng.integers(1, 4)))  # many ties
        assert average_precision(y, score) == pytest.approx(average_precision_score(y, score))
