"""``TabularPreprocessor``: numbers, categories and text to one float matrix, fitted on
train only and saved as JSON config + safetensors arrays (never pickle)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from yearn._io import atomic_write, atomic_write_json
from yearn._validation import check_choice, check_positive_int
from yearn.errors import ConfigError, DataError
from yearn.prep._state import decode_estimator, encode_estimator

__all__ = ["MISSING_CATEGORY", "TabularPreprocessor", "infer_columns", "numeric_matrix"]

MISSING_CATEGORY = "missing"
CONFIG_NAME = "prep.json"
ARRAYS_NAME = "prep.safetensors"
FORMAT = "yearn.prep/1"


def _frame(X: Any, where: str) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if hasattr(X, "to_pandas"):
        return X.to_pandas()
    raise DataError(
        f"{where} takes a pandas DataFrame with named columns; got "
        f"{type(X).__name__}. Wrap arrays with pandas.DataFrame(X, columns=...)."
    )


def infer_columns(
    X: pd.DataFrame,
    numeric: Any = None,
    categorical: Any = None,
    text: Any = (),
) -> tuple[list[str], list[str], list[str]]:
    """(numeric, categorical, text) columns of ``X``: those not named are inferred
    (numeric and datetime dtypes are numbers, the rest categories; text must be named)."""
    text = list(text or ())
    if numeric is not None and categorical is not None:
        numeric, categorical = list(numeric), list(categorical)
    else:
        rest = [c for c in X.columns if c not in text]
        auto_num = [
            c
            for c in rest
            if (pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c]))
            or pd.api.types.is_datetime64_any_dtype(X[c])
        ]
        numeric = list(numeric) if numeric is not None else auto_num
        categorical = (
            list(categorical) if categorical is not None else [c for c in rest if c not in numeric]
        )
    missing = [c for c in (*numeric, *categorical, *text) if c not in X.columns]
    if missing:
        raise DataError(
            f"column(s) {missing} are not in the table; it has "
            f"{', '.join(map(str, X.columns[:20]))}."
        )
    return numeric, categorical, text


def numeric_matrix(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The ``columns`` of ``X`` as float64, missing and infinite values as NaN, datetimes as
    seconds since 1970; a value that is not a number is an error naming its row."""
    out = np.empty((len(columns), len(X)), dtype=np.float64).T  # column by column: F order
    for j, column in enumerate(columns):
        col = X[column]
        if pd.api.types.is_datetime64_any_dtype(col):  # seconds since 1970
            if getattr(col.dt, "tz", None) is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
            stamps = col.astype("datetime64[ns]").astype("int64").astype(np.float64) / 1e9
            out[:, j] = np.where(col.isna().to_numpy(), np.nan, stamps.to_numpy())
            continue
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":  # numbers already
            arr = col.to_numpy(dtype=np.float64, copy=True)
            arr[~np.isfinite(arr)] = np.nan
            out[:, j] = arr
            continue
        values = pd.to_numeric(col, errors="coerce")
        bad = values.isna() & col.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"column {column!r}, row {row}: {col.iloc[row]!r} is not a "
                "number; fix the value or declare the column categorical."
            )
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        arr[~np.isfinite(arr)] = np.nan  # inf is treated as missing
        out[:, j] = arr
    return out


def _median_sample(values: np.ndarray) -> np.ndarray:
    """Three rows on which ``SimpleImputer(strategy="median", add_indicator=True)`` fits
    exactly as on ``values`` (same medians, same columns with missing values; an all-missing
    column stays all missing), with ``np.nanmedian`` instead of the imputer's masked-array
    sort (the state is identical: tested)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: NaN
        median = np.nanmedian(values, axis=0) if len(values) else np.full(values.shape[1], np.nan)
    missing = np.isnan(values).any(axis=0)
    return np.vstack([median, median, np.where(missing, np.nan, median)])


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Vectorise a table with scikit-learn transformers fitted on the training rows.

    * numbers → median imputation with a missing indicator (``SimpleImputer(strategy=
      "median", add_indicator=True)``), then standardisation (``StandardScaler``) of the
      imputed values; the 0/1 indicators follow unscaled;
    * categories → missing values become the category ``"missing"``, then one-hot
      (``OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=...)``): rare
      and unseen categories share one "infrequent" column;
    * text → ``TfidfVectorizer(max_features=...)`` (or the stateless
      ``HashingVectorizer(n_features=...)`` with ``text_vectorizer="hashing"``).

    Columns not named are inferred at ``fit``: numeric and datetime dtypes are numbers
    (datetimes as seconds since 1970), the rest categories; text columns must be named.
    ``transform`` returns float32: a dense array, or a CSR sparse matrix when there are
    text columns.
    """

    def __init__(
        self,
        numeric=None,
        categorical=None,
        text=(),
        *,
        min_frequency=5,
        text_vectorizer="tfidf",
        max_text_features=1000,
    ):
        self.numeric = numeric
        self.categorical = categorical
        self.text = text
        self.min_frequency = min_frequency
        self.text_vectorizer = text_vectorizer
        self.max_text_features = max_text_features

    # -- fitting ---------------------------------------------------------------------
    def _columns(self, X: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
        return infer_columns(X, self.numeric, self.categorical, self.text)

    def fit(self, X, y=None):
        """Learn medians, means, scales, categories and vocabularies from ``X`` (train)."""
        X = _frame(X, "TabularPreprocessor.fit")
        check_choice("text_vectorizer", self.text_vectorizer, ("tfidf", "hashing"))
        check_positive_int("max_text_features", self.max_text_features)
        if (
            isinstance(self.min_frequency, bool)
            or not isinstance(self.min_frequency, int | float)
            or self.min_frequency <= 0
        ):
            raise ConfigError(
                f"min_frequency must be a count >= 1 or a share in (0, 1); "
                f"got {self.min_frequency!r}."
            )
        if len(X) == 0:
            raise DataError("cannot fit the preprocessor on an empty table.")
        self.numeric_columns_, self.categorical_columns_, self.text_columns_ = self._columns(X)
        self.feature_names_in_ = np.asarray(
            [*self.numeric_columns_, *self.categorical_columns_, *self.text_columns_], dtype=object
        )
        self.n_features_in_ = len(self.feature_names_in_)
        if self.numeric_columns_:
            values = self._numbers(X)
            self.imputer_ = SimpleImputer(
                strategy="median", add_indicator=True, keep_empty_features=True
            ).fit(_median_sample(values))
            n = len(self.numeric_columns_)
            self.scaler_ = StandardScaler().fit(self.imputer_.transform(values)[:, :n])
        if self.categorical_columns_:
            self.onehot_ = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=self.min_frequency,
                sparse_output=False,
                dtype=np.float32,
            ).fit(self._category_sample(X))
        self.text_ = {}
        for column in self.text_columns_:
            if self.text_vectorizer == "hashing":
                vec = HashingVectorizer(
                    n_features=self.max_text_features, alternate_sign=False, dtype=np.float32
                )
            else:
                vec = TfidfVectorizer(max_features=self.max_text_features, dtype=np.float32)
            self.text_[column] = vec.fit(self._texts(X, column))
        return self

    # -- column conversion -------------------------------------------------------------
    def _numbers(self, X: pd.DataFrame) -> np.ndarray:
        return numeric_matrix(X, self.numeric_columns_)

    def _categories(self, X: pd.DataFrame) -> np.ndarray:
        cols = [
            X[c].astype(object).where(X[c].notna(), MISSING_CATEGORY).astype(str)
            for c in self.categorical_columns_
        ]
        return np.column_stack([c.to_numpy(dtype=object) for c in cols])

    def _onehot_columns(self) -> list[tuple[dict[Any, int], int, int]]:
        """Per category column: {value: output position} of the encoder's kept values, the
        position of a rare or unseen value (its "infrequent" column, or -1: none) and the
        number of output columns."""
        encoder = self.onehot_
        out = []
        for j, rare_values in enumerate(encoder.infrequent_categories_):
            rare = set() if rare_values is None else set(rare_values.tolist())
            kept = [c for c in encoder.categories_[j].tolist() if c not in rare]
            out.append(
                (
                    {c: i for i, c in enumerate(kept)},
                    len(kept) if rare else -1,
                    len(kept) + bool(rare),
                )
            )
        return out

    def _onehot_into(self, X: pd.DataFrame, out: np.ndarray, start: int) -> None:
        """Write ``onehot_.transform(self._categories(X))`` into ``out[:, start:]`` without
        making a Python string per cell: each column is factorised (hashing) and only its
        distinct values are looked up (as strings, "missing" for missing values, as at fit)."""
        flat = out.reshape(-1)  # a view: out is C-contiguous
        offset = start
        for column, (position, default, width) in zip(
            self.categorical_columns_, self._onehot_columns(), strict=True
        ):
            codes, uniques = pd.factorize(X[column], use_na_sentinel=True)
            keys = [str(u) for u in np.asarray(uniques, dtype=object)] + [MISSING_CATEGORY]
            lookup = np.array([position.get(k, default) for k in keys], dtype=np.int64)
            target = lookup[codes]  # code -1 (missing) reads the last entry
            rows = np.flatnonzero(target >= 0)
            flat[rows * out.shape[1] + offset + target[rows]] = 1.0
            offset += width

    def _dense(self, X: pd.DataFrame) -> np.ndarray:
        """Numbers (scaled, then their missing indicators) and one-hot categories, float32,
        written into one matrix."""
        numeric = None
        if self.numeric_columns_:
            n = len(self.numeric_columns_)
            numeric = self.imputer_.transform(self._numbers(X))
            numeric[:, :n] = self.scaler_.transform(numeric[:, :n])
        width = 0 if numeric is None else numeric.shape[1]
        onehot = self._onehot_columns() if self.categorical_columns_ else []
        out = np.zeros((len(X), width + sum(w for _, _, w in onehot)), dtype=np.float32)
        if numeric is not None:
            out[:, :width] = numeric
        if onehot:
            self._onehot_into(X, out, width)
        return out

    def _category_sample(self, X: pd.DataFrame) -> np.ndarray:
        """What the one-hot encoder is fitted on: ``self._categories(X)``, or — the same fit,
        much faster on many rows — each value repeated min(count, min_frequency) times.
        The encoder reads only which values occur and whether each occurs ``min_frequency``
        times, so its fitted state is identical (tested); columns are padded with one of
        their frequent values. A share as ``min_frequency``, or a column to pad that has no
        frequent value, takes the plain way."""
        cap = self.min_frequency
        if not isinstance(cap, int) or isinstance(cap, bool):
            return self._categories(X)
        columns = []
        for column in self.categorical_columns_:
            counts: dict[str, int] = {}
            col = X[column]
            for value, n in col.value_counts(dropna=True).items():
                key = str(value)
                counts[key] = counts.get(key, 0) + int(n)
            missing = int(col.isna().sum())
            if missing:
                counts[MISSING_CATEGORY] = counts.get(MISSING_CATEGORY, 0) + missing
            columns.append(counts)
        length = max(sum(min(n, cap) for n in c.values()) for c in columns)
        out = np.empty((length, len(columns)), dtype=object)
        for j, counts in enumerate(columns):
            keys = [k for k, n in counts.items() for _ in range(min(n, cap))]
            if len(keys) < length:
                frequent = [k for k, n in counts.items() if n >= cap]
                if not frequent:
                    return self._categories(X)
                keys += [frequent[0]] * (length - len(keys))
            out[:, j] = keys
        return out

    def _texts(self, X: pd.DataFrame, column: str) -> list[str]:
        return X[column].astype(object).where(X[column].notna(), "").astype(str).tolist()

    # -- transform -----------------------------------------------------------------------
    def transform(self, X):
        """Vectorise ``X`` with the statistics learnt at ``fit`` (float32)."""
        check_is_fitted(self, "feature_names_in_")
        X = _frame(X, "TabularPreprocessor.transform")
        absent = [c for c in self.feature_names_in_ if c not in X.columns]
        if absent:
            raise DataError(
                f"column(s) {absent} seen at fit are missing from the table to "
                "transform; give the same columns as the training data."
            )
        dense = self._dense(X)
        texts = [
            self.text_[c].transform(self._texts(X, c)).astype(np.float32)
            for c in self.text_columns_
        ]
        if texts:
            return sparse.hstack([sparse.csr_matrix(dense), *texts], format="csr")
        return dense

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns (``x``, ``missing:x``, ``c_value``, ``text:word``)."""
        check_is_fitted(self, "feature_names_in_")
        names: list[str] = []
        if self.numeric_columns_:
            names += list(self.numeric_columns_)
            names += [
                f"missing:{self.numeric_columns_[i]}" for i in self.imputer_.indicator_.features_
            ]
        if self.categorical_columns_:
            names += list(self.onehot_.get_feature_names_out(self.categorical_columns_))
        for column in self.text_columns_:
            vec = self.text_[column]
            words = (
                vec.get_feature_names_out()
                if hasattr(vec, "vocabulary_")
                else [f"hash{i}" for i in range(vec.n_features)]
            )
            names += [f"{column}:{w}" for w in words]
        return np.asarray(names, dtype=object)

    # -- saving --------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``prep.json`` (config) and ``prep.safetensors`` (arrays) into ``directory``."""
        from safetensors.numpy import save_file

        check_is_fitted(self, "feature_names_in_")
        directory = Path(directory)
        arrays: dict[str, np.ndarray] = {}
        parts = {
            name: encode_estimator(getattr(self, name), arrays, name)
            for name in ("imputer_", "scaler_", "onehot_")
            if hasattr(self, name)
        }
        text = {c: encode_estimator(v, arrays, f"text_.{c}") for c, v in self.text_.items()}
        config = {
            "format": FORMAT,
            "params": self.get_params(),
            "numeric": self.numeric_columns_,
            "categorical": self.categorical_columns_,
            "text": self.text_columns_,
            "parts": parts,
            "text_parts": text,
        }
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_write(directory / ARRAYS_NAME) as tmp:
            save_file(arrays, str(tmp), metadata={"format": FORMAT})
        atomic_write_json(directory / CONFIG_NAME, config)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TabularPreprocessor:
        """Load a preprocessor saved by :meth:`save`; it transforms exactly as before."""
        from safetensors.numpy import load_file

        directory = Path(directory)
        config_path = directory / CONFIG_NAME
        if not config_path.exists() or not (directory / ARRAYS_NAME).exists():
            raise DataError(
                f"{directory}: no saved preprocessor ({CONFIG_NAME} and "
                f"{ARRAYS_NAME}); save one with TabularPreprocessor.save()."
            )
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
            arrays = load_file(str(directory / ARRAYS_NAME))
        except Exception as exc:  # JSON, unicode, OS and safetensors errors alike
            raise DataError(f"{directory}: cannot read the saved preprocessor ({exc}).") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise DataError(
                f"{config_path}: not a yearn preprocessor (format "
                f"{config.get('format') if isinstance(config, dict) else None!r})."
            )
        params = config["params"]
        obj = cls(**params)
        obj.numeric_columns_ = list(config["numeric"])
        obj.categorical_columns_ = list(config["categorical"])
        obj.text_columns_ = list(config["text"])
        obj.feature_names_in_ = np.asarray(
            [*obj.numeric_columns_, *obj.categorical_columns_, *obj.text_columns_], dtype=object
        )
        obj.n_features_in_ = len(obj.feature_names_in_)
        for name, spec in config["parts"].items():
            if name not in ("imputer_", "scaler_", "onehot_"):
                raise DataError(f"{config_path}: unexpected part {name!r}.")
            setattr(obj, name, decode_estimator(spec, arrays))
        obj.text_ = {c: decode_estimator(s, arrays) for c, s in config["text_parts"].items()}
        return obj
