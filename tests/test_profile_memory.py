"""The profile's compact in-memory load: text features of Parquet sources as categories,
column views with narrow codes. The values and the profile's results are those of the
plain load (bench/profile_scale.py measures the memory)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests._toy_project import two_source_toml
from yearn.data import load_project
from yearn.profile import ColumnView, profile, profile_project


def _frame(n: int, rng, *, target: bool, start: int) -> pd.DataFrame:
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    colour[rng.random(n) < 0.1] = None  # missing categories
    city = rng.choice(["oslo", "rome", "lima"], size=n).astype(object)
    if target:  # a planted shift, and a value the training source never has
        city[rng.random(n) < 0.5] = "kyiv"
    words = [f"customer note {i} about an order that arrived late or early" for i in range(n)]
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "x": rng.normal(size=n),
            "gap": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "colour": colour,
            "city": city,
            "note": words,  # long and distinct: free text, not categories
            "y": (rng.random(n) < 0.4).astype(int),
        }
    )


@pytest.fixture(params=["parquet", "csv"])
def project(tmp_path, request):
    """Two sources: web (Parquet) and phone (Parquet, or CSV: its text columns are not
    categories, so the columns are joined as text)."""
    rng = np.random.default_rng(3)
    _frame(600, rng, target=False, start=0).to_parquet(tmp_path / "web.parquet")
    phone = _frame(400, rng, target=True, start=600)
    if request.param == "csv":
        phone.to_csv(tmp_path / "phone.csv", index=False)
    else:
        phone.to_parquet(tmp_path / "phone.parquet")
    (tmp_path / "yearn.toml").write_text(
        two_source_toml(web="web.parquet", phone=f"phone.{request.param}")
    )
    return tmp_path


def test_categorical_load_holds_the_same_values(project):
    plain = load_project(project, screen=False, check_images=False)
    compact = load_project(project, screen=False, check_images=False, categorical=True)
    assert list(compact.frame.columns) == list(plain.frame.columns)
    all_parquet = all(s.path.suffix == ".parquet" for s in compact_sources(project))
    for column in ("colour", "city", "note"):
        categorical = isinstance(compact.frame[column].dtype, pd.CategoricalDtype)
        assert categorical == all_parquet, column
    if all_parquet:
        assert "kyiv" in compact.frame["city"].cat.categories  # categories of both sources
    for column in ("source", "role"):
        assert isinstance(compact.frame[column].dtype, pd.CategoricalDtype)
    # the named columns (id, label) stay as they are
    assert not isinstance(compact.frame["id"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(
        compact.frame.astype(object), plain.frame.astype(object), check_dtype=False
    )


def compact_sources(root):
    from yearn.config import load_config

    return load_config(root).sources


def _without_seconds(value):
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def test_profile_of_the_compact_load_equals_the_plain_one(project):
    compact = profile_project(project)  # loads with categorical=True
    plain = profile(load_project(project, screen=False, check_images=False), n_jobs=2)
    assert _without_seconds(compact.to_dict()) == _without_seconds(plain.to_dict())
    kinds = {name: c["kind"] for name, c in compact["summary"].summary["columns"].items()}
    assert kinds["note"] == "text" and kinds["city"] == "categorical"
    shifted = compact["shift"].summary["shifted"]
    assert "city" in shifted  # the planted shift is found (effect)
    assert "colour" not in shifted and "x" not in shifted  # and not where there is none


def test_column_view_keeps_narrow_codes_and_derives_missing():
    rng = np.random.default_rng(0)
    codes = rng.integers(-1, 300, size=1000)  # 300 categories: int16 codes
    view = ColumnView("c", "categorical", codes, codes < 0, np.arange(300).astype(str))
    assert view._values.dtype == np.int16 and view._missing is None
    assert view.values.dtype == np.int64 and np.array_equal(view.values, codes)
    assert np.array_equal(view.missing, codes < 0) and view.n_missing == int((codes < 0).sum())
    x = np.where(rng.random(1000) < 0.1, np.nan, rng.normal(size=1000))
    num = ColumnView("x", "numeric", x, np.isnan(x))
    assert num._missing is None and np.array_equal(num.missing, np.isnan(x))
    # a mask that is not the values' own is kept as given
    other = np.zeros(1000, dtype=bool)
    other[:3] = True
    kept = ColumnView("x", "numeric", x, other)
    assert np.array_equal(kept.missing, other)


def test_parquet_read_in_column_batches_equals_pandas(tmp_path):
    from yearn.data import read_table

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({f"x{j}": rng.normal(size=50) for j in range(19)})  # 3 batches
    frame["k"] = rng.choice(["a", "b"], size=50)
    frame["x3"] = frame["x3"].where(rng.random(50) > 0.2)
    frame.to_parquet(tmp_path / "plain.parquet", index=False)
    pd.testing.assert_frame_equal(
        read_table(tmp_path / "plain.parquet"), pd.read_parquet(tmp_path / "plain.parquet")
    )
    # a named index: restored from pandas' metadata, as a whole-table read restores it
    frame.assign(id=[f"r{i}" for i in range(50)]).set_index("id").to_parquet(
        tmp_path / "indexed.parquet"
    )
    whole = read_table(tmp_path / "indexed.parquet")
    assert whole.index.name == "id" and "id" not in whole.columns
    pd.testing.assert_frame_equal(whole, pd.read_parquet(tmp_path / "indexed.parquet"))
    named = read_table(tmp_path / "indexed.parquet", columns=["id", "k"])
    assert list(named.columns) == ["k"] and named.index[3] == "r3"
    wide = read_table(tmp_path / "indexed.parquet", columns=["id", *frame.columns])
    pd.testing.assert_frame_equal(wide, whole)  # batches of asked-for columns: one index
    categorical = read_table(tmp_path / "plain.parquet", categorical_except=["x0"])
    assert isinstance(categorical["k"].dtype, pd.CategoricalDtype)
    assert categorical["k"].astype(str).tolist() == frame["k"].tolist()
