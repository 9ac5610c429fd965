"""Dataset, from_frame and from_arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from yearn.data import Dataset, from_arrays, from_frame
from yearn.errors import DataError


def _table(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uid": [f"u{i}" for i in range(n)],
            "x": np.arange(n, dtype=float),
            "z": np.arange(n) * 2,
            "user": ["a", "b"] * (n // 2),
            "blur": np.linspace(0, 1, n),
            "y": ["cat", "dog", "cat", "dog", "cat", "bird"][:n],
        }
    )


def test_from_frame_columns_and_accessors():
    ds = from_frame(
        _table(),
        task="multiclass",
        label="y",
        id_column="uid",
        group_column="user",
        metadata=["blur"],
        source="web",
    )
    assert isinstance(ds, Dataset)
    assert len(ds) == 6
    assert ds.feature_columns == ("x", "z")
    assert ds.classes == ("bird", "cat", "dog")
    assert ds.label == "y"
    assert list(ds.ids) == [f"u{i}" for i in range(6)]
    assert list(ds.labels) == ["cat", "dog", "cat", "dog", "cat", "bird"]
    assert list(ds.label_codes) == [1, 2, 1, 2, 1, 0]
    assert set(ds.sources) == {"web"} and set(ds.roles) == {"train"}
    assert list(ds.groups) == ["a", "b"] * 3
    assert list(ds.features.columns) == ["x", "z"]
    summary = ds.summary()
    assert summary["sources"]["web"]["rows"] == 6
    assert summary["labels"] == {"bird": 1, "cat": 3, "dog": 2}


def test_from_frame_polars_and_generated_ids():
    df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 1, 0]})
    ds = from_frame(df, task="binary", label="y", source="phone", role="target")
    assert list(ds.ids) == ["phone:0", "phone:1", "phone:2", "phone:3"]
    assert ds.classes == ("0", "1")
    assert ds.groups is None
    assert set(ds.roles) == {"target"}


def test_numeric_classes_sort_by_value():
    df = pd.DataFrame({"x": range(12), "y": list(range(12))})
    ds = from_frame(df, task="multiclass", label="y")
    assert ds.classes[:3] == ("0", "1", "2") and ds.classes[-1] == "11"


def test_subset_keeps_columns_and_classes():
    ds = from_frame(_table(), task="multiclass", label="y", id_column="uid")
    sub = ds.subset([5, 0])
    assert list(sub.ids) == ["u5", "u0"]
    assert sub.classes == ds.classes
    mask = np.zeros(6, dtype=bool)
    mask[[1, 2]] = True
    assert list(ds.subset(mask).ids) == ["u1", "u2"]
    with pytest.raises(DataError, match="out of range"):
        ds.subset([6])


def test_multilabel_unknowns():
    df = pd.DataFrame({"x": [1, 2, 3], "a": [1, 0, None], "b": ["1", "", "0"]})
    ds = from_frame(df, task="multilabel", label=["a", "b"])
    labels = ds.labels
    assert labels.shape == (3, 2)
    assert np.isnan(labels[2, 0]) and np.isnan(labels[1, 1])
    assert labels[0].tolist() == [1.0, 1.0]
    assert ds.classes == ()


def test_from_arrays_infers_task():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 3))
    assert from_arrays(X, rng.normal(size=10)).task == "regression"
    assert from_arrays(X, np.array([0, 1] * 5)).task == "binary"
    assert from_arrays(X, np.arange(10) % 3).task == "multiclass"
    ds = from_arrays(X, np.arange(10) % 3, ids=[f"i{k}" for k in range(10)], feature_names="abc")
    assert ds.feature_columns == ("a", "b", "c")
    assert list(ds.ids)[:2] == ["i0", "i1"]
    with pytest.raises(DataError, match="2-D"):
        from_arrays(np.zeros((4, 2, 2)), np.arange(4))


def test_from_frame_bad_input_names_the_problem():
    with pytest.raises(DataError, match=r"label column 'label' is missing.*'uid'"):
        from_frame(_table(), task="multiclass", label="label")
    df = _table()
    df.loc[3, "y"] = None
    with pytest.raises(DataError, match=r"row 3: the label column 'y' is empty"):
        from_frame(df, task="multiclass", label="y")
    df = _table()
    df.loc[4, "uid"] = "u1"
    with pytest.raises(DataError, match=r"duplicate id 'u1': row 1 and row 4"):
        from_frame(df, task="multiclass", label="y", id_column="uid")
    df = _table().assign(y="cat")
    with pytest.raises(DataError, match="one class only"):
        from_frame(df, task="multiclass", label="y")


def test_numeric_column_with_a_few_strings_is_reported_text_columns_are_not():
    n = 3000
    df = pd.DataFrame(
        {
            "x": np.arange(n).astype(str).astype(object),
            "word": np.where(np.arange(n) % 500 == 0, "12", "hello"),
            "y": [0, 1] * (n // 2),
        }
    )
    df.loc[2500, "x"] = "oops"
    with pytest.raises(DataError, match=r"row 2500: column 'x' holds numbers in 2999 of 3000"):
        from_frame(df, task="binary", label="y")
    df.loc[2500, "x"] = "7"
    ds = from_frame(df, task="binary", label="y")
    assert ds.feature_columns == ("x", "word")


def test_dataset_checks_its_columns_and_has_a_short_repr():
    ds = from_frame(_table(), task="multiclass", label="y", id_column="uid", source="web")
    assert repr(ds) == (
        "Dataset(task='multiclass', rows=6, sources=(web=6), features=4, labels=['y'], classes=3)"
    )
    with pytest.raises(DataError, match=r"lacks column\(s\) \['source', 'role'\]"):
        Dataset(frame=_table(), task="multiclass", id_column="uid", label_columns=("y",))
    with pytest.raises(DataError, match="task must be one of"):
        Dataset(frame=ds.frame, task="ranking", id_column="uid", label_columns=("y",))


def test_text_columns_from_a_frame_become_strings():
    df = pd.DataFrame({"code": [101, 202, 303, 404], "y": ["a", "b", "a", "b"]})
    ds = from_frame(df, task="binary", label="y", text_columns=["code"])
    assert ds.frame["code"].tolist() == ["101", "202", "303", "404"]


def test_polars_null_label_names_the_row():
    df = pl.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", None, "b"]})
    with pytest.raises(DataError, match=r"<DataFrame>, row 1: the label column 'y' is empty"):
        from_frame(df, task="binary", label="y")
