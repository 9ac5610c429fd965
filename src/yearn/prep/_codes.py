"""``TreeInputs``: a table as tree models read it — numbers as they are (missing as NaN)
and each category as one integer code, for gradient boosting's native categorical splits
instead of a dense one-hot matrix (50 columns instead of hundreds, no scaling)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from yearn.errors import ConfigError, DataError
from yearn.prep._tabular import infer_columns, numeric_matrix

__all__ = ["MAX_CODES", "TreeInputs"]

#: Codes per categorical column: scikit-learn's histogram gradient boosting takes at most
#: 255 bins per feature, one of them for missing values.
MAX_CODES = 255


class TreeInputs(TransformerMixin, BaseEstimator):
    """Numbers (float64, missing and infinite as NaN, datetimes as seconds) followed by one
    code column per category column, fitted on train only.

    A category column keeps its values seen at least ``min_frequency`` times in train (at
    most ``MAX_CODES - 1``, the most frequent first), coded 0, 1, ... in sorted order; the
    rarer ones, and values never seen in train, share one more "infrequent" code (when
    train had rare values; otherwise an unseen value is treated as missing). Missing
    values stay NaN: the trees learn where they go. ``categorical_mask(X)`` gives the
    output columns that are categories, for ``categorical_features=`` of
    ``HistGradientBoostingClassifier`` / ``Regressor``.
    """

    def __init__(self, numeric=None, categorical=None, *, min_frequency=5):
        self.numeric = numeric
        self.categorical = categorical
        self.min_frequency = min_frequency

    def categorical_mask(self, X: pd.DataFrame) -> np.ndarray:
        """Which output columns are category codes, from ``X``'s columns (before ``fit``)."""
        numeric, categorical, _ = infer_columns(X, self.numeric, self.categorical)
        return np.array([False] * len(numeric) + [True] * len(categorical), dtype=bool)

    def fit(self, X, y=None):
        """Learn each category column's kept values from ``X`` (train)."""
        if not isinstance(X, pd.DataFrame):
            raise DataError(
                f"TreeInputs takes a pandas DataFrame with named columns; got {type(X).__name__}."
            )
        if (
            isinstance(self.min_frequency, bool)
            or not isinstance(self.min_frequency, int)
            or self.min_frequency < 1
        ):
            raise ConfigError(f"min_frequency must be a count >= 1; got {self.min_frequency!r}.")
        if len(X) == 0:
            raise DataError("cannot fit TreeInputs on an empty table.")
        self.numeric_columns_, self.categorical_columns_, _ = infer_columns(
            X, self.numeric, self.categorical
        )
        self.feature_names_in_ = np.asarray(
            [*self.numeric_columns_, *self.categorical_columns_], dtype=object
        )
        self.n_features_in_ = len(self.feature_names_in_)
        self.categories_: list[np.ndarray] = []
        self.has_infrequent_: list[bool] = []
        for column in self.categorical_columns_:
            counts = X[column].value_counts(dropna=True)
            kept = counts[counts >= self.min_frequency].iloc[: MAX_CODES - 1]
            values = np.asarray(sorted(kept.index.tolist(), key=_order), dtype=object)
            self.categories_.append(values)
            self.has_infrequent_.append(len(kept) < len(counts))
        return self

    def transform(self, X) -> np.ndarray:
        """Numbers then codes, float64 (NaN = missing)."""
        check_is_fitted(self, "feature_names_in_")
        if not isinstance(X, pd.DataFrame):
            raise DataError(
                f"TreeInputs takes a pandas DataFrame with named columns; got {type(X).__name__}."
            )
        absent = [c for c in self.feature_names_in_ if c not in X.columns]
        if absent:
            raise DataError(
                f"column(s) {absent} seen at fit are missing from the table to transform; "
                "give the same columns as the training data."
            )
        n_num = len(self.numeric_columns_)
        out = np.empty((self.n_features_in_, len(X)), dtype=np.float64).T  # F order
        if n_num:
            out[:, :n_num] = numeric_matrix(X, self.numeric_columns_)
        for j, column in enumerate(self.categorical_columns_):
            out[:, n_num + j] = self._codes(X[column], j)
        return out

    def _codes(self, col: pd.Series, j: int) -> np.ndarray:
        values = self.categories_[j]
        # factorise once (hashing), then look up the few distinct values
        seen, uniques = pd.factorize(col, use_na_sentinel=True)
        lookup = pd.Index(values, dtype=object).get_indexer(np.asarray(uniques, dtype=object))
        other = lookup < 0  # rare in train or never seen
        if self.has_infrequent_[j]:
            lookup = np.where(other, len(values), lookup)
        table = np.append(np.where(lookup < 0, np.nan, lookup), np.nan)  # [-1] = missing
        return table[seen]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "feature_names_in_")
        return self.feature_names_in_.copy()


def _order(value: Any) -> tuple[str, str]:
    """Sort key for category values of any type (the codes do not depend on the order in
    which train lists them)."""
    return (type(value).__name__, str(value))
