"""The baseline estimators per task, and the feature preparation they share.

Trivial baselines ignore the inputs (majority / stratified / mean, scikit-learn's dummy
estimators); simple ones are a linear model and histogram gradient boosting. Inputs are
prepared inside each pipeline, fitted on train only. The linear model reads
:class:`yearn.prep.TabularPreprocessor` (numbers imputed with a missing indicator and
scaled, categories one-hot encoded with a "missing" category, text columns TF-IDF); gradient
boosting, above ``NATIVE_CATEGORIES_MIN_ROWS`` train rows, reads
:class:`yearn.prep.TreeInputs` (numbers as they are, missing values left to the trees, each
category column as one column of codes split natively) unless the table has text columns;
otherwise it reads that one-hot (+ TF-IDF) matrix made dense. Plain arrays are imputed and
scaled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from yearn.prep import TabularPreprocessor, TreeInputs

__all__ = ["BaselineSpec", "PerTaskClassifier", "baseline_specs", "make_preprocessor"]


@dataclass(frozen=True)
class BaselineSpec:
    """One baseline: its name, kind (``trivial`` or ``simple``) and unfitted estimator."""

    name: str
    kind: str
    estimator: Any
    description: str


def _dense(X: Any) -> Any:
    """Sparse (text features) → dense, for estimators that need dense input."""
    return X.toarray() if hasattr(X, "toarray") else X


def make_preprocessor(X: Any, text: Sequence[str] = ()) -> Any:
    """Inputs → numbers, fitted on train only.

    A DataFrame goes through :class:`yearn.prep.TabularPreprocessor` (numbers: median +
    missing indicator + scaling; categories: "missing" category + one-hot, rare ones
    grouped; ``text`` columns: TF-IDF); an array is imputed and scaled.
    """
    numeric_pipe = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
    )
    if not isinstance(X, pd.DataFrame):
        return numeric_pipe
    return TabularPreprocessor(text=tuple(text))


class PerTaskClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label: one binary classifier per task, fitted on the rows where that task's
    label is known (NaN = unknown); a task with one known class predicts its prevalence."""

    def __init__(self, estimator: Any = None):
        self.estimator = estimator

    def fit(self, X: Any, Y: Any) -> PerTaskClassifier:
        Y = np.asarray(Y, dtype=float)
        self.estimators_: list[Any] = []
        self.prevalence_ = np.zeros(Y.shape[1])
        for t in range(Y.shape[1]):
            known = ~np.isnan(Y[:, t])
            y = Y[known, t].astype(int)
            self.prevalence_[t] = y.mean() if y.size else 0.0
            if np.unique(y).size < 2:
                self.estimators_.append(None)
                continue
            rows = X[known] if not isinstance(X, pd.DataFrame) else X.loc[known]
            self.estimators_.append(clone(self.estimator).fit(rows, y))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        n = len(X)
        cols = []
        for t, est in enumerate(self.estimators_):
            cols.append(
                np.full(n, self.prevalence_[t]) if est is None else est.predict_proba(X)[:, 1]
            )
        return np.column_stack(cols)

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)


def _pipe(X: Any, estimator: Any, text: Sequence[str] = (), *, dense: bool = False) -> Pipeline:
    steps = [("prep", make_preprocessor(X, text))]
    if dense:
        steps.append(("dense", FunctionTransformer(_dense, accept_sparse=True)))
    return Pipeline([*steps, ("model", estimator)])


#: Train rows above which gradient boosting splits categories natively. Above it
#: scikit-learn stops boosting early on a held-out tenth, and native splits are as good as
#: the one-hot matrix (tests/test_baselines_native_categories.py) at a fraction of its cost
#: (at 171,000 rows × 50 columns, 17 of them categories: 5 s of CPU and 0.8 GB instead of
#: 49 s and 2.6 GB). Below it, without early stopping, the one-hot matrix overfits less
#: with few rows per category and costs little.
NATIVE_CATEGORIES_MIN_ROWS = 10_000


def _boosting(X: Any, estimator: Any, text: Sequence[str] = ()) -> Pipeline:
    """Gradient boosting's pipeline: native categorical splits on a DataFrame without text
    of more than ``NATIVE_CATEGORIES_MIN_ROWS`` rows (:class:`yearn.prep.TreeInputs`), else
    the one-hot (+ TF-IDF) matrix made dense."""
    if not isinstance(X, pd.DataFrame) or text or len(X) <= NATIVE_CATEGORIES_MIN_ROWS:
        return _pipe(X, estimator, text, dense=True)
    inputs = TreeInputs()
    mask = inputs.categorical_mask(X)
    model = estimator.estimator if isinstance(estimator, PerTaskClassifier) else estimator
    model.set_params(categorical_features=mask if mask.any() else None)
    return Pipeline([("prep", inputs), ("model", estimator)])


def baseline_specs(
    task: str, X: Any, *, random_state: int | None = 0, text: Sequence[str] = ()
) -> list[BaselineSpec]:
    """The baselines for ``task`` (unfitted), their preprocessing built from ``X``'s columns
    (``text`` names the text columns of a DataFrame)."""
    if task == "regression":
        return [
            BaselineSpec(
                "mean", "trivial", DummyRegressor(strategy="mean"), "predicts the train mean"
            ),
            BaselineSpec(
                "ridge", "simple", _pipe(X, Ridge(alpha=1.0), text), "ridge linear regression"
            ),
            BaselineSpec(
                "hist_gb",
                "simple",
                _boosting(X, HistGradientBoostingRegressor(random_state=random_state), text),
                "histogram gradient boosting",
            ),
        ]
    if task == "multilabel":
        return [
            BaselineSpec(
                "prevalence",
                "trivial",
                PerTaskClassifier(DummyClassifier(strategy="prior")),
                "predicts each task's train prevalence",
            ),
            BaselineSpec(
                "logistic",
                "simple",
                _pipe(X, PerTaskClassifier(LogisticRegression(max_iter=2000)), text),
                "logistic regression per task",
            ),
            BaselineSpec(
                "hist_gb",
                "simple",
                _boosting(
                    X,
                    PerTaskClassifier(HistGradientBoostingClassifier(random_state=random_state)),
                    text,
                ),
                "histogram gradient boosting per task",
            ),
        ]
    return [
        BaselineSpec(
            "majority",
            "trivial",
            DummyClassifier(strategy="most_frequent"),
            "predicts the most frequent train class",
        ),
        BaselineSpec(
            "stratified",
            "trivial",
            DummyClassifier(strategy="stratified", random_state=random_state),
            "draws classes at random with the train class shares",
        ),
        BaselineSpec(
            "logistic",
            "simple",
            _pipe(X, LogisticRegression(max_iter=2000), text),
            "logistic regression",
        ),
        BaselineSpec(
            "hist_gb",
            "simple",
            _boosting(X, HistGradientBoostingClassifier(random_state=random_state), text),
            "histogram gradient boosting",
        ),
    ]
