"""Evaluation protocols: scikit-learn splitters, parallel folds, t intervals, test looks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import model_selection as ms
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error

from yearn.errors import ConfigError, DataError
from yearn.splits import (
    Protocol,
    TestSetReuseWarning,
    evaluate,
    fit_final,
    holdout,
    kfold,
    look_at_test,
    repeated_kfold,
    t_interval,
)


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=240, n_features=6, random_state=0)
    return X, y


def _model():
    return LogisticRegression(max_iter=500)


def test_protocols_use_the_matching_sklearn_splitters():
    y_cls = np.array([0, 1] * 10)
    y_reg = np.linspace(0, 1, 20)
    groups = np.arange(20) // 2
    assert type(kfold().splitters(y_cls)[0]) is ms.StratifiedKFold
    assert type(kfold().splitters(y_reg)[0]) is ms.KFold
    assert type(kfold(stratify=False).splitters(y_cls)[0]) is ms.KFold
    assert type(kfold().splitters(y_cls, groups)[0]) is ms.StratifiedGroupKFold
    assert type(kfold().splitters(y_reg, groups)[0]) is ms.GroupKFold
    assert type(repeated_kfold().splitters(y_cls)[0]) is ms.RepeatedStratifiedKFold
    assert type(repeated_kfold().splitters(y_reg)[0]) is ms.RepeatedKFold
    assert len(repeated_kfold(4, 3).splitters(y_reg, groups)) == 3  # grouped repeats
    assert type(holdout().splitters(y_cls)[0]) is ms.StratifiedShuffleSplit
    assert type(holdout().splitters(y_reg)[0]) is ms.ShuffleSplit
    assert type(holdout().splitters(y_cls, groups)[0]) is ms.GroupShuffleSplit


@pytest.mark.parametrize("protocol", [kfold(4), repeated_kfold(4, 2), holdout(0.25)])
def test_folds_cover_the_data_and_respect_groups(protocol):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    groups = rng.integers(0, 20, 80)
    folds = list(protocol.split(np.zeros((80, 2)), y, groups))
    assert len(folds) == protocol.n_folds
    for fit, held in folds:
        assert not set(fit) & set(held)
        assert not set(groups[fit]) & set(groups[held])
    if protocol.kind != "holdout":
        per_repeat = protocol.n_splits
        for r in range(len(folds) // per_repeat):
            held = np.concatenate([h for _, h in folds[r * per_repeat : (r + 1) * per_repeat]])
            assert sorted(held) == list(range(80))


def test_evaluate_matches_cross_val_score(clf_data):
    X, y = clf_data
    result = evaluate(_model(), X, y, kfold(5, random_state=3), accuracy_score)
    expected = ms.cross_val_score(
        _model(), X, y, cv=ms.StratifiedKFold(5, shuffle=True, random_state=3), scoring="accuracy"
    )
    np.testing.assert_allclose(result.scores, expected)
    assert result.mean == pytest.approx(expected.mean())
    assert result.std == pytest.approx(expected.std(ddof=1))
    assert result.metric == "accuracy_score" and result.n_folds == 5
    assert all(a + b == 240 for a, b in result.fold_sizes)


def test_parallel_processes_give_the_same_scores(clf_data):
    X, y = clf_data
    protocol = repeated_kfold(3, 2, random_state=1)
    serial = evaluate(_model(), X, y, protocol, "error", n_jobs=1)
    parallel = evaluate(lambda: LogisticRegression(max_iter=500), X, y, protocol, "error", n_jobs=2)
    np.testing.assert_allclose(parallel.scores, serial.scores)
    assert serial.n_folds == 6 and serial.protocol == "2×3-fold (reshuffled)"


def test_t_interval_matches_scipy():
    scores = [0.12, 0.10, 0.15, 0.11, 0.13]
    mean, std, low, high = t_interval(scores, 0.95)
    ref = stats.t.interval(0.95, 4, loc=np.mean(scores), scale=stats.sem(scores))
    assert (low, high) == pytest.approx(ref)
    assert std == pytest.approx(np.std(scores, ddof=1))
    # Nadeau-Bengio: variance × (1/k + n_score/n_fit) — wider than the naive interval
    _, _, low_c, high_c = t_interval(scores, 0.95, test_train_ratio=0.25)
    half = stats.t.ppf(0.975, 4) * np.std(scores, ddof=1) * np.sqrt(1 / 5 + 0.25)
    assert (low_c, high_c) == pytest.approx((mean - half, mean + half))


def test_corrected_interval_and_named_metrics(clf_data):
    X, y = clf_data
    naive = evaluate(_model(), X, y, kfold(5), "log_loss")
    corrected = evaluate(_model(), X, y, kfold(5), "log_loss", ci="corrected_t")
    assert corrected.ci_high - corrected.ci_low > naive.ci_high - naive.ci_low
    # log loss needs probabilities: same as scikit-learn's on the first fold
    fit, held = next(kfold(5).split(X, y))
    model = _model().fit(X[fit], y[fit])
    assert naive.scores[0] == pytest.approx(log_loss(y[held], model.predict_proba(X[held])))
    assert naive.metric == "log_loss"


def test_regression_and_dataframes():
    X, y = make_regression(n_samples=60, n_features=3, noise=5, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    result = evaluate(LinearRegression(), frame, pd.Series(y), kfold(3), mean_absolute_error)
    assert result.n_folds == 3 and result.mean > 0
    assert result.ci_low < result.mean < result.ci_high


def test_holdout_has_no_interval(clf_data):
    X, y = clf_data
    result = evaluate(_model(), X, y, "holdout", "error")
    assert result.n_folds == 1 and np.isnan(result.ci_low)
    assert result.to_dict()["ci_low"] is None and "one fold" in str(result)
    assert result.fold_sizes == [(192, 48)]


def test_bad_input_gets_clear_errors(clf_data):
    X, y = clf_data
    with pytest.raises(ConfigError, match="protocol must be one of"):
        evaluate(_model(), X, y, "loo", "error")
    with pytest.raises(ConfigError, match="unknown metric"):
        evaluate(_model(), X, y, "kfold", "no_such_metric")
    with pytest.raises(ConfigError, match="n_splits must be an integer >= 2"):
        kfold(1)
    with pytest.raises(ConfigError, match="n_jobs"):
        evaluate(_model(), X, y, "kfold", "error", n_jobs=0)
    with pytest.raises(DataError, match="one entry per row"):
        evaluate(_model(), X, y[:-1], "kfold", "error")
    y_rare = y.copy()
    y_rare[:3] = 2
    with pytest.raises(DataError, match="class '2' has 3 example"):
        evaluate(_model(), X, y_rare, kfold(5), "error")
    with pytest.raises(DataError, match="one class only"):
        evaluate(_model(), X, np.zeros(len(y), dtype=int), kfold(5), "error")
    with pytest.raises(DataError, match="NaN"):
        evaluate(LinearRegression(), X, np.r_[np.nan, y[1:].astype(float)], "kfold", "mae")
    with pytest.raises(DataError, match="distinct group"):
        evaluate(_model(), X, y, kfold(5), "error", groups=np.arange(len(y)) % 3)
    with pytest.raises(ConfigError, match="fit/predict"):
        evaluate(42, X, y, "kfold", "error")
    with pytest.raises(ConfigError, match="needs probabilities"):
        evaluate(LinearRegression(), X, y, kfold(3), "log_loss")
    with pytest.raises(ConfigError, match="reshuffles"):
        Protocol("repeated_kfold", shuffle=False)


def test_fit_final_learns_from_train_and_dev():
    X, y = make_regression(n_samples=50, n_features=2, random_state=1)
    final = fit_final(LinearRegression(), X[:30], y[:30], X[30:], y[30:])
    ref = LinearRegression().fit(X, y)
    np.testing.assert_allclose(final.coef_, ref.coef_)
    with pytest.raises(DataError, match="both X_dev and y_dev"):
        fit_final(LinearRegression(), X, y, X_dev=X)


def test_every_look_at_test_is_counted_and_the_second_warns(tmp_path, clf_data):
    from yearn.store import open_store

    X, y = clf_data
    model = fit_final(DummyClassifier(strategy="most_frequent"), X[:200], y[:200])
    store = open_store(tmp_path)
    try:
        first = look_at_test(model, X[200:], y[200:], "error", store=store, model_name="dummy")
        expected = 1 - accuracy_score(y[200:], model.predict(X[200:]))
        assert first.value == pytest.approx(expected)
        assert (first.looks, first.looks_for_model) == (1, 1)
        with pytest.warns(TestSetReuseWarning, match=r"looked at 2 times .* being tuned on"):
            second = look_at_test(model, X[200:], y[200:], "error", store=store, model_name="dummy")
        assert second.looks == 2
        looks = store.test_looks()
        assert list(looks["model"]) == ["dummy", "dummy"]
        assert looks["value"].tolist() == pytest.approx([expected, expected])
    finally:
        store.close()
    # a project folder works as the store too
    with pytest.warns(TestSetReuseWarning, match="looked at 3 times"):
        look_at_test(model, X[200:], y[200:], accuracy_score, store=tmp_path, model_name="m2")
