"""Gradient boosting's native categorical splits (yearn.prep.TreeInputs) against the dense
one-hot matrix it replaced: no one-hot is built, and the model is at least as good."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from yearn.baselines import baseline_specs, fit_baselines
from yearn.baselines._estimators import NATIVE_CATEGORIES_MIN_ROWS
from yearn.errors import ConfigError, DataError
from yearn.prep import TabularPreprocessor, TreeInputs
from yearn.prep._codes import MAX_CODES


def _table(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A 40-level category whose levels carry the label (plus noise) and two numbers."""
    rng = np.random.default_rng(seed)
    level = rng.integers(0, 40, n)
    effect = np.random.default_rng(99).normal(0, 1.5, 40)  # same effects in every draw
    x = rng.normal(size=n)
    score = effect[level] + 0.8 * x + rng.normal(0, 1, n)
    cat = pd.Series([f"L{v}" for v in level], dtype=object)
    cat[rng.random(n) < 0.05] = None
    frame = pd.DataFrame({"x": x, "z": rng.normal(size=n), "cat": cat, "flag": level % 2 == 0})
    return frame, np.where(score > 0, "yes", "no")


def test_tree_inputs_codes_rare_unseen_and_missing() -> None:
    train = pd.DataFrame(
        {"c": ["a"] * 10 + ["b"] * 10 + ["r"] * 2 + [None] * 3, "x": np.r_[np.arange(24.0), np.inf]}
    )
    test = pd.DataFrame({"c": ["a", "b", "r", "new", None], "x": [1.0, np.nan, 2, 3, 4]})
    inputs = TreeInputs().fit(train)
    out = inputs.transform(test)
    assert out.shape == (5, 2)  # one column per input column, numbers first
    assert np.isnan(out[1, 0]) and out[0, 0] == 1.0
    # a = 0, b = 1; rare in train (r) and never seen (new) share the "infrequent" code 2;
    # missing stays missing
    assert out[:, 1][:4].tolist() == [0.0, 1.0, 2.0, 2.0] and np.isnan(out[4, 1])
    # without rare values in train, an unseen value is treated as missing
    clean = TreeInputs().fit(train[train["c"] != "r"]).transform(test)[:, 1]
    assert clean[:2].tolist() == [0.0, 1.0] and np.isnan(clean[2:]).all()
    assert inputs.categorical_mask(train).tolist() == [False, True]


def test_tree_inputs_caps_codes_and_checks_input() -> None:
    many = pd.DataFrame({"c": [f"v{i % 400}" for i in range(400 * 6)]})
    codes = TreeInputs().fit(many).transform(many)[:, 0]
    assert np.nanmax(codes) == MAX_CODES - 1  # 254 kept levels + one shared code
    with pytest.raises(DataError, match="DataFrame"):
        TreeInputs().fit(np.zeros((3, 2)))
    with pytest.raises(ConfigError, match="min_frequency"):
        TreeInputs(min_frequency=0).fit(many)
    with pytest.raises(DataError, match="missing from the table"):
        TreeInputs().fit(many).transform(pd.DataFrame({"d": [1]}))


def test_hist_gb_splits_categories_natively_and_is_no_worse() -> None:
    X, y = _table(20_000, 0)
    X_dev, y_dev = _table(20_000, 1)
    spec = next(s for s in baseline_specs("binary", X) if s.name == "hist_gb")
    assert isinstance(spec.estimator.named_steps["prep"], TreeInputs)
    model = spec.estimator.named_steps["model"]
    assert model.categorical_features.tolist() == [False, False, True, True]
    native = spec.estimator.fit(X, y)
    # the model sees one column per feature, not the one-hot matrix
    assert native.named_steps["model"].n_features_in_ == 4
    onehot = Pipeline(
        [
            ("prep", TabularPreprocessor()),
            ("model", HistGradientBoostingClassifier(random_state=0)),
        ]
    ).fit(X, y)
    assert onehot.named_steps["model"].n_features_in_ > 40
    err_native = np.mean(native.predict(X_dev) != y_dev)
    err_onehot = np.mean(onehot.predict(X_dev) != y_dev)
    # 20,000 dev rows: a standard error of about 0.3 points; no worse than that
    assert err_native <= err_onehot + 0.003
    report = fit_baselines({"train": (X, y), "dev": (X_dev, y_dev)}, task="binary")
    assert report.value("hist_gb", "dev") == pytest.approx(err_native)


def test_hist_gb_on_few_rows_keeps_the_one_hot_matrix() -> None:
    X, _ = _table(NATIVE_CATEGORIES_MIN_ROWS, 0)
    spec = next(s for s in baseline_specs("binary", X) if s.name == "hist_gb")
    assert isinstance(spec.estimator.named_steps["prep"], TabularPreprocessor)


def test_hist_gb_with_text_keeps_the_dense_matrix() -> None:
    X = pd.DataFrame({"t": ["good day", "bad day"] * 6000, "c": ["a", "b"] * 6000})
    spec = next(s for s in baseline_specs("binary", X, text=["t"]) if s.name == "hist_gb")
    assert isinstance(spec.estimator.named_steps["prep"], TabularPreprocessor)
