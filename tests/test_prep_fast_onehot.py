"""TabularPreprocessor's fast category path equals scikit-learn's own: the encoder fitted
on min(count, min_frequency) copies of each value has the same state as one fitted on every
row, and the factorised transform gives the encoder's own output, cell for cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder

from yearn.prep import TabularPreprocessor
from yearn.prep._state import encode_estimator


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rare = rng.random(n) < 0.01  # a handful of rare values per column
    return pd.DataFrame(
        {
            "s": pd.Series(
                np.where(rare, [f"r{i % 7}" for i in range(n)], rng.choice(["a", "b", "c"], n)),
                dtype="str",
            ),
            # mixed types, 1 and "1" both read "1", a literal "missing", None
            "o": pd.Series(
                rng.choice([1, "1", "x", 2.5, "missing", None], n).tolist(), dtype=object
            ),
            "b": rng.random(n) < 0.3,
            "k": pd.Categorical(rng.choice(["p", "q", None], n)),
            "x": rng.normal(size=n),
        }
    )


@pytest.mark.parametrize("min_frequency", [1, 5, 40, 0.02])
def test_fast_fit_and_transform_equal_the_encoders_own(min_frequency) -> None:
    train, test = _table(3000, 0), _table(800, 1)
    test.loc[:9, "s"] = "never seen"
    test.loc[10:19, "s"] = None
    prep = TabularPreprocessor(min_frequency=min_frequency).fit(train)
    full = OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        min_frequency=min_frequency,
        sparse_output=False,
        dtype=np.float32,
    ).fit(prep._categories(train))
    ours, theirs = {}, {}
    assert encode_estimator(prep.onehot_, ours, "e") == encode_estimator(full, theirs, "e")
    assert ours.keys() == theirs.keys()
    assert all(np.array_equal(ours[k], theirs[k]) for k in ours)
    if min_frequency == 40:
        assert any(c is not None for c in prep.onehot_.infrequent_categories_)
    out = prep.transform(test)
    n_num = out.shape[1] - len(prep.onehot_.get_feature_names_out())
    expected = full.transform(prep._categories(test))
    np.testing.assert_array_equal(out[:, n_num:], expected)


def test_a_rare_only_column_takes_the_plain_fit() -> None:
    train = pd.DataFrame({"a": ["u", "v"] * 50, "c": [f"v{i}" for i in range(100)]})
    prep = TabularPreprocessor(min_frequency=5).fit(train)
    full = OneHotEncoder(
        handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False
    ).fit(prep._categories(train))
    assert [list(c) for c in prep.onehot_.categories_] == [list(c) for c in full.categories_]
    np.testing.assert_array_equal(prep.transform(train), full.transform(prep._categories(train)))


def test_first_nonfinite_row_finds_the_row_without_a_full_temporary() -> None:
    from yearn._validation import first_nonfinite_row

    x = np.zeros((20_000, 3), dtype=np.float32)
    assert first_nonfinite_row(x) is None
    x[12_345, 1] = np.nan
    x[15_000, 2] = np.inf
    assert first_nonfinite_row(x) == 12_345
    big = np.full((10, 2), 3e38, dtype=np.float32)  # the sum overflows; the values do not
    assert first_nonfinite_row(big) is None
    assert first_nonfinite_row(np.array([[1, 2]])) is None  # integers are always finite


def test_imputer_fitted_on_the_median_sample_equals_the_full_fit() -> None:
    from sklearn.impute import SimpleImputer

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 1000, 1001):
        values = rng.normal(size=(n, 4)) * 1e3
        values[rng.random((n, 4)) < 0.2] = np.nan
        values[:, 3] = np.nan  # an all-missing column
        if n > 1:
            values[:, 2] = rng.normal(size=n)  # a column without missing values
        frame = pd.DataFrame(values, columns=list("abcd"))
        prep = TabularPreprocessor().fit(frame)
        full = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
        full.fit(values)
        ours, theirs = {}, {}
        assert encode_estimator(prep.imputer_, ours, "i") == encode_estimator(full, theirs, "i")
        assert all(np.array_equal(ours[k], theirs[k], equal_nan=True) for k in ours)
