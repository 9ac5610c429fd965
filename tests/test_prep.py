"""yearn.prep: fitted on train only, identical after save/load, no pickle, references."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from yearn.errors import ConfigError, DataError
from yearn.prep import ImageNormalizer, TabularPreprocessor, inject_missing


def _tables(seed: int = 0):
    rng = np.random.default_rng(seed)

    def make(n, shift=0.0):
        num = rng.normal(loc=shift, size=n)
        num[rng.random(n) < 0.1] = np.nan
        return pd.DataFrame(
            {
                "age": rng.integers(18, 90, n).astype(float),
                "income": num,
                "city": rng.choice(["paris", "lyon", "nice", "brest"], n, p=[0.5, 0.3, 0.18, 0.02]),
                "note": rng.choice(["good value", "bad service", "great food", None], n),
            }
        )

    train, test = make(400), make(200, shift=1.0)
    test.loc[:4, "city"] = "tokyo"  # unseen at fit
    test.loc[5:9, "city"] = None
    return train, test


def test_matches_a_plain_scikit_learn_pipeline():
    train, test = _tables()
    prep = TabularPreprocessor(
        numeric=["age", "income"], categorical=["city"], min_frequency=10
    ).fit(train)
    ref = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
                ),
                ["age", "income"],
            ),
            ("ind", SimpleImputer(strategy="median", add_indicator=True), ["income"]),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", min_frequency=10, sparse_output=False
                    ),
                ),
                ["city"],
            ),
        ]
    ).fit(train.astype({"city": object}))
    want = ref.transform(test.astype({"city": object}))
    want = np.delete(want, 2, axis=1)  # the reference's imputed income (kept: its indicator)
    got = prep.transform(test)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    names = list(prep.get_feature_names_out())
    assert names[:3] == ["age", "income", "missing:income"]
    assert "city_infrequent_sklearn" in names  # brest is rare: grouped


def test_fitted_on_train_only_and_unseen_categories_grouped():
    train, test = _tables()
    prep = TabularPreprocessor(
        numeric=["age", "income"], categorical=["city"], min_frequency=10
    ).fit(train)
    imputed = train["income"].fillna(train["income"].median())
    assert prep.scaler_.mean_[1] == pytest.approx(imputed.mean())  # train, not test
    out = prep.transform(test)
    names = list(prep.get_feature_names_out())
    city = [i for i, n in enumerate(names) if n.startswith("city_")]
    assert out[0, city].sum() == 1  # unseen "tokyo" → the infrequent column
    assert out[0, names.index("city_infrequent_sklearn")] == 1
    common = TabularPreprocessor(numeric=[], categorical=["city"], min_frequency=1).fit(train)
    assert common.transform(test)[0].sum() == 0  # no infrequent group: unseen → all zeros


def test_missing_category_and_indicator():
    train, _ = _tables()
    train.loc[:30, "city"] = None
    prep = TabularPreprocessor(numeric=["income"], categorical=["city"]).fit(train)
    names = list(prep.get_feature_names_out())
    out = prep.transform(train)
    assert out[0, names.index("city_missing")] == 1
    nan_rows = train["income"].isna().to_numpy()
    np.testing.assert_array_equal(out[:, names.index("missing:income")], nan_rows)


@pytest.mark.parametrize("vectorizer", ["tfidf", "hashing"])
def test_transform_identical_after_save_and_load(tmp_path, vectorizer):
    train, test = _tables()
    prep = TabularPreprocessor(text=["note"], text_vectorizer=vectorizer, max_text_features=64).fit(
        train
    )
    before = prep.transform(test)
    prep.save(tmp_path / "prep")
    assert sorted(p.name for p in (tmp_path / "prep").iterdir()) == [
        "prep.json",
        "prep.safetensors",
    ]
    loaded = TabularPreprocessor.load(tmp_path / "prep")
    after = loaded.transform(test)
    assert (before != after).nnz == 0
    assert list(loaded.get_feature_names_out()) == list(prep.get_feature_names_out())
    assert loaded.get_params() == {**prep.get_params(), "text": ["note"]}


def test_load_refuses_foreign_classes_and_broken_files(tmp_path):
    train, _ = _tables()
    TabularPreprocessor().fit(train).save(tmp_path)
    config = json.loads((tmp_path / "prep.json").read_text())
    config["parts"]["scaler_"]["__estimator__"] = "os.system"
    (tmp_path / "prep.json").write_text(json.dumps(config))
    with pytest.raises(DataError, match=r"refusing to load class 'os\.system'"):
        TabularPreprocessor.load(tmp_path)
    (tmp_path / "prep.json").write_text("{not json")
    with pytest.raises(DataError, match="cannot read"):
        TabularPreprocessor.load(tmp_path)
    with pytest.raises(DataError, match="no saved preprocessor"):
        TabularPreprocessor.load(tmp_path / "nowhere")


def test_bad_input_raises_data_errors():
    train, test = _tables()
    prep = TabularPreprocessor(numeric=["age", "income"], categorical=["city"]).fit(train)
    with pytest.raises(DataError, match=r"\['income'\] seen at fit are missing"):
        prep.transform(test.drop(columns="income"))
    bad = test.astype({"income": object})
    bad.loc[3, "income"] = "n/a"
    with pytest.raises(DataError, match="column 'income', row 3: 'n/a' is not a number"):
        prep.transform(bad)
    with pytest.raises(DataError, match="DataFrame"):
        TabularPreprocessor().fit(np.zeros((3, 2)))
    with pytest.raises(DataError, match="not in the table"):
        TabularPreprocessor(numeric=["nope"], categorical=[]).fit(train)
    with pytest.raises(ConfigError, match="min_frequency"):
        TabularPreprocessor(min_frequency=0).fit(train)
    with pytest.raises(DataError, match="empty"):
        TabularPreprocessor().fit(train.iloc[:0])


def test_constant_and_all_missing_columns_are_safe():
    train, _ = _tables()
    train["const"] = 3.0
    train["empty"] = np.nan
    out = TabularPreprocessor(numeric=["const", "empty"], categorical=[]).fit_transform(train)
    assert np.isfinite(out).all()
    assert np.all(out[:, 0] == 0) and np.all(out[:, 1] == 0)


def test_image_normalizer_uses_train_statistics(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(20, 8, 8, 3), dtype=np.uint8)
    test = rng.integers(0, 256, size=(5, 8, 8, 3), dtype=np.uint8)
    norm = ImageNormalizer().fit(train)
    out = norm.transform(train)
    assert out.shape == (20, 3, 8, 8) and out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=1e-4)
    want = (test.transpose(0, 3, 1, 2) / 255.0 - norm.mean_[None, :, None, None]) / (
        norm.std_[None, :, None, None] + 1e-6
    )
    np.testing.assert_allclose(norm.transform(test), want, rtol=1e-5, atol=1e-5)
    norm.save(tmp_path)
    again = ImageNormalizer.load(tmp_path)
    assert np.array_equal(again.transform(test), norm.transform(test))
    tensor = ImageNormalizer(as_tensor=True).fit(train).transform(test)
    assert tuple(tensor.shape) == (5, 3, 8, 8)
    with pytest.raises(DataError, match="channel"):
        norm.transform(rng.random((2, 8, 8)))
    with pytest.raises(DataError, match="NaN"):
        norm.transform(np.full((1, 8, 8, 3), np.nan))


def test_inject_missing_matches_target_rates():
    train, target = _tables()
    train["age"] = train["age"].astype(float)
    target.loc[: int(0.3 * len(target)) - 1, "age"] = np.nan  # 30% missing in target
    out, report = inject_missing(train, target, random_state=0)
    assert "age" in report.columns
    assert out["age"].isna().mean() == pytest.approx(0.3, abs=0.005)
    assert train["age"].notna().all()  # the input is not modified
    for column, rates in report.rates.items():
        if rates["target"] <= rates["train"]:
            assert rates["injected"] == 0
            pd.testing.assert_series_equal(out[column], train[column])
        else:
            assert rates["after"] == pytest.approx(rates["target"], abs=0.005)
    again, _ = inject_missing(train, target, random_state=0)
    pd.testing.assert_frame_equal(out, again)
    with pytest.raises(DataError, match="both"):
        inject_missing(train, target, columns=["nope"])


def test_datetimes_become_seconds(tmp_path):
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", None, "2024-01-04"], utc=True),
            "x": [1.0, 2.0, 3.0, 4.0],
        }
    )
    prep = TabularPreprocessor().fit(frame)
    assert prep.numeric_columns_ == ["when", "x"]
    out = prep.transform(frame)
    days = np.array([0.0, 1.0, 1.0, 3.0])  # the missing day imputed with the median (1)
    np.testing.assert_allclose(out[:, 0], (days - days.mean()) / days.std(), rtol=1e-5)
    prep.save(tmp_path)
    assert np.array_equal(TabularPreprocessor.load(tmp_path).transform(frame), out)
