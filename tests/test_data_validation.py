"""Every bad-input case of data loading, through the Python API and through `yearn check`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._data_files import png, table, two_sources, write_project
from yearn.data import load_project
from yearn.errors import DataError


def case_missing_file(root: Path) -> str:
    table().to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train"), ("phone", "nope.csv", "target")])
    return r"source 'phone': .*nope\.csv not found"


def case_truncated_parquet(root: Path) -> str:
    table().to_parquet(root / "web.parquet")
    data = (root / "web.parquet").read_bytes()
    (root / "web.parquet").write_bytes(data[: len(data) // 2])
    write_project(root, [("web", "web.parquet", "train")])
    return r"web\.parquet: cannot read it as Parquet .*truncated"


def case_csv_broken_quote(root: Path) -> str:
    (root / "web.csv").write_text('a,b,y\n1,2,cat\n3,"4,dog\n5,6,cat\n', encoding="utf-8")
    write_project(root, [("web", "web.csv", "train")])
    return r"web\.csv, row 3: malformed CSV — a quote opened on this row is never closed"


def case_csv_extra_field(root: Path) -> str:
    (root / "web.csv").write_text("a,b,y\n1,2,cat\n3,4,dog\n5,6,cat,7\n", encoding="utf-8")
    write_project(root, [("web", "web.csv", "train")])
    return r"web\.csv, row 4: malformed CSV — 4 fields where the header has 3"


def case_missing_label_column(root: Path) -> str:
    table().to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train")], label_column="label")
    return r"web\.csv: the label column 'label' is missing; the columns are 'uid', 'a', 'b', 'y'"


def case_missing_id_column(root: Path) -> str:
    table().to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train")], id_column="key")
    return r"the id column 'key' is missing; the columns are 'uid', 'a', 'b', 'y'"


def case_duplicate_ids(root: Path) -> str:
    phone = table()
    phone["uid"] = ["p0", "p1", "u3", "p3", "p4", "p5"]
    two_sources(root, table(), phone, id_column="uid")
    return r"duplicate id 'u3': .*web\.csv, row 5 and .*phone\.csv, row 4"


def case_nan_label(root: Path) -> str:
    frame = table()
    frame.loc[2, "y"] = None
    frame.to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train")])
    return r"web\.csv, row 4: the label column 'y' is empty \(1 empty label"


def case_blank_label(root: Path) -> str:
    (root / "web.csv").write_text("a,y\n1,cat\n2, \n3,dog\n", encoding="utf-8")
    write_project(root, [("web", "web.csv", "train")])
    return r"web\.csv, row 3: the label column 'y' is empty"


def case_inf_label(root: Path) -> str:
    frame = table(y=[0.0, 1.0, np.inf, 0.0, 1.0, 0.0])
    frame.to_parquet(root / "web.parquet")
    write_project(root, [("web", "web.parquet", "train")])
    return r"web\.parquet, row 4: the label column 'y' is inf"


def case_regression_nan(root: Path) -> str:
    frame = table(y=[0.5, 1.5, 2.5, np.nan, 1.0, 0.0])
    frame.to_parquet(root / "web.parquet")
    write_project(root, [("web", "web.parquet", "train")], task="regression")
    return r"web\.parquet, row 5: the label column 'y' is empty"


def case_regression_inf(root: Path) -> str:
    frame = table(y=[0.5, 1.5, -np.inf, 3.0, 1.0, 0.0])
    frame.to_parquet(root / "web.parquet")
    write_project(root, [("web", "web.parquet", "train")], task="regression")
    return r"web\.parquet, row 4: regression label 'y' is -inf"


def case_regression_not_number(root: Path) -> str:
    (root / "web.csv").write_text("a,y\n1,0.5\n2,1.25\n3,high\n4,2\n", encoding="utf-8")
    write_project(root, [("web", "web.csv", "train")], task="regression")
    return r"web\.csv, row 4: regression label 'y' is 'high', not a number"


def case_one_class(root: Path) -> str:
    two_sources(root, table(y="cat"), table(y="cat"))
    return r"label column 'y' has one class only \('cat' in all 12 rows\)"


def case_binary_three_classes(root: Path) -> str:
    table(y=["a", "b", "c", "a", "b", "c"]).to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train")])
    return r"task is 'binary' but the label column 'y' has 3 classes"


def case_schemas_differ(root: Path) -> str:
    two_sources(root, table(blur=0.5), table(rot=1.0).drop(columns=["b"]))
    return (
        r"different columns: source 'web' \(.*web\.csv\) lacks 'rot'; "
        r"source 'phone' \(.*phone\.csv\) lacks 'b', 'blur'"
    )


def case_non_numeric_value(root: Path) -> str:
    frame = table(n=8)
    frame["a"] = frame["a"].astype(object)
    frame.loc[5, "a"] = "n/a?"
    frame.to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train")])
    return r"web\.csv, row 7: column 'a' holds numbers in 7 of 8 rows but 'n/a\?' here"


def case_multilabel_bad_value(root: Path) -> str:
    (root / "web.csv").write_text("a,t1,t2\n1,1,0\n2,0,1\n3,,2\n4,1,0\n", encoding="utf-8")
    write_project(
        root, [("web", "web.csv", "train")], task="multilabel", label_columns=["t1", "t2"]
    )
    return r"web\.csv, row 4: multi-label column 't2' is 2; each task label must be 1, 0"


def case_multilabel_one_class(root: Path) -> str:
    (root / "web.csv").write_text("a,t1,t2\n1,1,0\n2,0,1\n3,1,?\n4,1,1\n", encoding="utf-8")
    write_project(
        root,
        [("web", "web.csv", "train")],
        task="multilabel",
        label_columns=["t1", "t2"],
        missing_label_marker="?",
    )
    (root / "web.csv").write_text("a,t1,t2\n1,1,1\n2,0,1\n3,1,?\n4,1,1\n", encoding="utf-8")
    return r"multi-label column 't2' has one class only \(values \[1\]"


def case_image_folder_corrupt(root: Path) -> str:
    png(root / "imgs" / "cat" / "1.png")
    png(root / "imgs" / "dog" / "2.png")
    (root / "imgs" / "dog" / "3.png").write_bytes(b"\x89PNG\r\n\x1a\nthis is not an image")
    write_project(root, [("web", "imgs", "train")])
    return r"image .*dog/3\.png cannot be decoded"


def case_manifest_truncated_image(root: Path) -> str:
    png(root / "img" / "a.png", size=(32, 32))
    png(root / "img" / "b.png", size=(32, 32), value=7)
    data = (root / "img" / "b.png").read_bytes()
    (root / "img" / "b.png").write_bytes(data[: len(data) // 2])
    pd.DataFrame({"file": ["img/a.png", "img/b.png"], "y": ["cat", "dog"]}).to_csv(
        root / "manifest.csv", index=False
    )
    write_project(root, [("web", "manifest.csv", "train")], image_column="file")
    return r"manifest\.csv, row 3: image .*b\.png cannot be decoded"


def case_manifest_missing_image(root: Path) -> str:
    png(root / "img" / "a.png")
    pd.DataFrame({"file": ["img/a.png", "img/zz.png"], "y": ["cat", "dog"]}).to_csv(
        root / "manifest.csv", index=False
    )
    write_project(root, [("web", "manifest.csv", "train")], image_column="file")
    return r"manifest\.csv, row 3: image file .*zz\.png not found"


def case_column_type_differs_between_sources(root: Path) -> str:
    phone = table(n=4)
    phone["a"] = ["low", "high", "low", "mid"]
    two_sources(root, table(), phone)
    return (
        r"column 'a' holds numbers in source\(s\) 'web' but text in source 'phone' "
        r"\(.*phone\.csv, row 2: 'low'\)"
    )


def case_empty_id(root: Path) -> str:
    frame = table()
    frame.loc[3, "uid"] = None
    frame.to_csv(root / "web.csv", index=False)
    write_project(root, [("web", "web.csv", "train")], id_column="uid")
    return r"web\.csv, row 5: the id column 'uid' is empty"


def case_source_without_rows(root: Path) -> str:
    two_sources(root, table(), table().iloc[:0])
    return r"source 'phone': .*phone\.csv has a header but no rows"


CASES: dict[str, Callable[[Path], str]] = {
    name.removeprefix("case_"): fn for name, fn in globals().items() if name.startswith("case_")
}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_data_python_api(name, tmp_path):
    expected = CASES[name](tmp_path)
    with pytest.raises(DataError) as info:
        load_project(tmp_path)
    assert re.search(expected, str(info.value)), str(info.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_data_cli_exit_2(name, tmp_path, cli):
    expected = CASES[name](tmp_path)
    result = cli("check", "--project", tmp_path)
    assert result.exit_code == 2, result.output
    output = _flat(result.output)
    assert output.startswith("error:"), output
    assert re.search(expected, output), output
    assert "Traceback" not in result.output


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(3, 40), data=st.data())
def test_reported_row_is_the_spreadsheet_row(tmp_path, n, data):
    """Whatever row holds the bad label, the message names header-line + 1 + position."""
    pos = data.draw(st.integers(0, n - 1))
    labels = ["cat", "dog"] * n
    labels = labels[:n]
    labels[pos] = ""
    lines = ["a,y"] + [f"{i},{label}" for i, label in enumerate(labels)]
    (tmp_path / "web.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_project(tmp_path, [("web", "web.csv", "train")])
    with pytest.raises(DataError, match=rf"web\.csv, row {pos + 2}: the label column 'y'"):
        load_project(tmp_path)


def test_missing_label_marker_on_a_classification_project_names_the_row(tmp_path):
    """The marker counts as an empty label for single-label tasks (regression: read-only mask)."""
    from yearn.config import load_config

    (tmp_path / "train.csv").write_text("id,x,label\n1,0.5,cat\n2,0.1,?\n3,0.3,dog\n")
    (tmp_path / "yearn.toml").write_text(
        '[project]\ntask = "binary"\nlabel_column = "label"\nid_column = "id"\n'
        'missing_label_marker = "?"\n[[sources]]\nname = "t"\npath = "train.csv"\n'
    )
    with pytest.raises(DataError, match="row 3: the label column 'label' is empty"):
        load_project(load_config(tmp_path))
