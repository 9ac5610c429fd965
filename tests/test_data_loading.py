"""Loading real files: CSV, Parquet, image folders, manifests, text; `yearn check` output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from yearn.cli.check import _labels_text
from yearn.config import load_config
from yearn.data import load_images, load_project, read_image_folder, read_table
from yearn.errors import DataError

from ._data_files import png, table, two_sources, write_project


def test_read_table_csv_tsv_parquet(tmp_path):
    frame = table()
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_csv(tmp_path / "t.tsv", index=False, sep="\t")
    frame.to_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.tsv", "t.parquet"):
        got = read_table(tmp_path / name)
        pd.testing.assert_frame_equal(got, frame, check_dtype=False)
    (tmp_path / "data.bin").write_bytes(b"x")
    with pytest.raises(DataError, match=r"cannot tell the format .*'\.bin'"):
        read_table(tmp_path / "data.bin")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="the file is empty"):
        read_table(tmp_path / "empty.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_table(tmp_path)
    (tmp_path / "latin.csv").write_bytes("a,y\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_table(tmp_path / "latin.csv")
    with pytest.raises(DataError, match=r"missing[/\\]t\.csv: file not found; the folder"):
        read_table(tmp_path / "missing" / "t.csv")


def test_load_project_two_sources(tmp_path):
    web, phone = table(blur=0.0), table(n=4, blur=[0.1, 0.2, 0.3, 0.4])
    two_sources(tmp_path, web, phone, group_column="b", metadata_columns=["blur"])
    ds = load_project(load_config(tmp_path))
    assert len(ds) == 10
    assert ds.id_column == "id"
    assert list(ds.ids[:2]) == ["web:0", "web:1"] and ds.ids[6] == "phone:0"
    assert list(ds.sources) == ["web"] * 6 + ["phone"] * 4
    assert list(ds.roles) == ["train"] * 6 + ["target"] * 4
    assert ds.feature_columns == ("uid", "a")
    assert ds.metadata_columns == ("blur",)
    assert ds.groups is not None and ds.groups[1] == 3
    assert ds.classes == ("cat", "dog")
    summary = ds.summary()
    assert summary["sources"]["phone"] == {
        "rows": 4,
        "role": "target",
        "labels": {"cat": 2, "dog": 2},
        "missing": {},
    }


def test_id_column_csv_keeps_leading_zeros(tmp_path):
    (tmp_path / "web.csv").write_text("key,a,y\n007,1,x\n008,2,z\n", encoding="utf-8")
    write_project(tmp_path, [("web", "web.csv", "train")], id_column="key")
    ds = load_project(tmp_path)
    assert list(ds.ids) == ["007", "008"]


def test_feature_columns_restrict_and_allow_extra_columns(tmp_path):
    two_sources(tmp_path, table(extra=1), table(other="x"), feature_columns=["a"])
    ds = load_project(tmp_path)
    assert ds.feature_columns == ("a",)
    assert "extra" not in ds.frame.columns and "other" not in ds.frame.columns


def test_text_columns_stay_strings(tmp_path):
    (tmp_path / "web.csv").write_text(
        'review,n,y\n"great, really",1,pos\n123,2,neg\n,3,pos\n', encoding="utf-8"
    )
    write_project(tmp_path, [("web", "web.csv", "train")], text_columns=["review"])
    ds = load_project(tmp_path)
    reviews = ds.frame["review"].tolist()
    assert reviews[:2] == ["great, really", "123"]
    assert pd.isna(reviews[2])
    assert "review" in ds.text_columns and "review" in ds.feature_columns


def test_multilabel_marker_and_empty_cells_are_unknown(tmp_path):
    (tmp_path / "web.csv").write_text("a,t1,t2\n1,1,0\n2,0,?\n3,,1\n4,1,0\n", encoding="utf-8")
    write_project(
        tmp_path,
        [("web", "web.csv", "train")],
        task="multilabel",
        label_columns=["t1", "t2"],
        missing_label_marker="?",
    )
    ds = load_project(tmp_path)
    expected = np.array([[1, 0], [0, np.nan], [np.nan, 1], [1, 0]], dtype=float)
    np.testing.assert_array_equal(ds.labels, expected)
    assert ds.summary()["labels"]["t2"] == {"positive": 1, "negative": 2, "unknown": 1}


def test_regression_labels_are_floats(tmp_path):
    (tmp_path / "web.csv").write_text("a,y\n1,0.5\n2,3\n3,-1e3\n", encoding="utf-8")
    write_project(tmp_path, [("web", "web.csv", "train")], task="regression")
    ds = load_project(tmp_path)
    assert ds.labels.dtype == float and ds.labels.tolist() == [0.5, 3.0, -1000.0]
    assert ds.classes == ()


def test_image_folder_source(tmp_path):
    for k in range(3):
        png(tmp_path / "imgs" / "cat" / f"{k}.png", value=10 * k)
        png(tmp_path / "imgs" / "dog" / f"{k}.png", value=200)
    (tmp_path / "imgs" / "dog" / "notes.txt").write_text("not an image", encoding="utf-8")
    write_project(tmp_path, [("web", "imgs", "train")])
    ds = load_project(tmp_path)
    assert ds.image_column == "image" and len(ds) == 6
    assert ds.classes == ("cat", "dog")
    assert ds.feature_columns == ()
    x = load_images(ds.frame[ds.image_column])
    assert x.shape == (6, 1, 8, 8) and x.dtype == np.float32
    np.testing.assert_allclose(x[1, 0, 0, 0], 10 / 255, rtol=1e-6)
    np.testing.assert_allclose(x[5], 200 / 255, rtol=1e-6)


def test_image_folder_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images found"):
        read_image_folder(tmp_path / "empty")
    png(tmp_path / "imgs" / "cat" / "0.png")
    png(tmp_path / "imgs" / "dog" / "1.png")
    write_project(tmp_path, [("web", "imgs", "train")], task="regression")
    with pytest.raises(DataError, match=r"image folder .* task is 'regression'"):
        load_project(tmp_path)


def test_manifest_paths_relative_to_manifest(tmp_path):
    sub = tmp_path / "data"
    png(sub / "img" / "a.png", size=(4, 6), value=255)
    png(sub / "img" / "b.png", size=(4, 6), value=0)
    pd.DataFrame(
        {"path": ["img/a.png", str(sub / "img" / "b.png")], "y": ["on", "off"]}
    ).to_parquet(sub / "manifest.parquet")
    write_project(tmp_path, [("web", "data/manifest.parquet", "train")], image_column="path")
    ds = load_project(tmp_path)
    paths = ds.frame["path"].tolist()
    assert all(Path(p).is_absolute() and Path(p).exists() for p in paths)
    x = load_images(paths)
    assert x.shape == (2, 1, 4, 6)
    assert x[0].min() == 1.0 and x[1].max() == 0.0


def test_load_images_rgb_resize_and_errors(tmp_path):
    rgb = np.zeros((5, 7, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    Image.fromarray(rgb).save(tmp_path / "red.png")
    png(tmp_path / "gray.png", size=(10, 10), value=51)
    x = load_images([tmp_path / "red.png"], grayscale=False)
    assert x.shape == (1, 3, 5, 7)
    assert x[0, 0].min() == 1.0 and x[0, 1].max() == 0.0
    x = load_images([tmp_path / "red.png", tmp_path / "gray.png"], size=(8, 9))
    assert x.shape == (2, 1, 8, 9)
    np.testing.assert_allclose(x[1], 0.2, atol=1e-6)
    with pytest.raises(DataError, match=r"images differ in size: .*red\.png is 5x7 .*size="):
        load_images([tmp_path / "red.png", tmp_path / "gray.png"])
    (tmp_path / "bad.png").write_bytes(b"garbage")
    with pytest.raises(DataError, match=r"bad\.png cannot be decoded"):
        load_images([tmp_path / "gray.png", tmp_path / "bad.png"])
    with pytest.raises(DataError, match="size must be"):
        load_images([tmp_path / "gray.png"], size=(0, 3))
    assert load_images([], size=4).shape == (0, 1, 4, 4)


def test_cli_check_table_and_json(tmp_path, cli):
    two_sources(tmp_path, table(), table(n=4, a=[1.0, None, 3.0, None]))
    result = cli("check", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "web" in out and "phone" in out and "target" in out
    assert "cat: 2, dog: 2" in out and "a: 2" in out
    assert "The data is valid." in out
    result = cli("check", "--project", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True and data["rows"] == 10
    assert data["sources"]["phone"]["missing"] == {"a": 2}
    assert data["sources"]["web"]["labels"] == {"cat": 3, "dog": 3}


def test_cli_check_without_project_file(tmp_path, cli):
    result = cli("check", "--project", tmp_path)
    assert result.exit_code == 2
    assert "yearn init" in " ".join(result.output.split())


def test_source_column_in_the_file_must_match_the_source(tmp_path):
    two_sources(tmp_path, table(source="web"), table(source="phone"))
    ds = load_project(tmp_path)
    assert list(ds.sources) == ["web"] * 6 + ["phone"] * 6
    assert "source" not in ds.feature_columns
    two_sources(tmp_path, table(source="web"), table(source=["phone"] * 5 + ["web"]))
    with pytest.raises(DataError, match=r"phone\.csv, row 7: column 'source' is 'web', but"):
        load_project(tmp_path)


def test_numeric_ids_in_parquet_and_text_ids_in_csv_compare_as_text(tmp_path):
    web = pd.DataFrame({"key": [1, 2, 3], "a": [0.1, 0.2, 0.3], "y": ["x", "z", "x"]})
    web.to_parquet(tmp_path / "web.parquet")
    (tmp_path / "phone.csv").write_text("key,a,y\n4,0.5,x\n2,0.6,z\n", encoding="utf-8")
    write_project(
        tmp_path,
        [("web", "web.parquet", "train"), ("phone", "phone.csv", "target")],
        id_column="key",
    )
    with pytest.raises(DataError, match=r"duplicate id '2': .*web\.parquet, row 3 and"):
        load_project(tmp_path)
    (tmp_path / "phone.csv").write_text("key,a,y\n4,0.5,x\n5,0.6,z\n", encoding="utf-8")
    assert list(load_project(tmp_path).ids) == ["1", "2", "3", "4", "5"]


def test_cli_check_json_multilabel_and_regression(tmp_path, cli):
    (tmp_path / "web.csv").write_text("a,t1,t2\n1,1,0\n2,0,\n3,1,1\n", encoding="utf-8")
    write_project(
        tmp_path, [("web", "web.csv", "train")], task="multilabel", label_columns=["t1", "t2"]
    )
    result = cli("check", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert "task multilabel, 3 examples" in result.output
    data = json.loads(cli("check", "--project", tmp_path, "--json").output)
    assert _labels_text("multilabel", data["labels"]) == "t1: 2+/1-/0?, t2: 1+/1-/1?"
    assert data["labels"]["t1"] == {"positive": 2, "negative": 1, "unknown": 0}
    (tmp_path / "web.csv").write_text("a,y\n1,0.5\n2,1.5\n", encoding="utf-8")
    write_project(tmp_path, [("web", "web.csv", "train")], task="regression")
    data = json.loads(cli("check", "--project", tmp_path, "--json").output)
    assert data["labels"] == {"mean": 1.0, "std": 0.5, "min": 0.5, "max": 1.5}
    assert _labels_text("regression", data["labels"]) == "mean 1, std 0.5, range [0.5, 1.5]"


def test_cli_check_image_folder(tmp_path, cli):
    for k in range(2):
        png(tmp_path / "imgs" / "cat" / f"{k}.png")
        png(tmp_path / "imgs" / "dog" / f"{k}.png")
    write_project(tmp_path, [("web", "imgs", "train")])
    result = cli("check", "--project", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["image_column"] == "image" and data["labels"] == {"cat": 2, "dog": 2}
    result = cli("check", "--project", tmp_path)
    assert result.exit_code == 0 and "images" in result.output and "(image)" in result.output


def test_check_image_files_reports_the_first_bad_row_in_order(tmp_path):
    from yearn.data.images import check_image_files
    from yearn.data.validate import Where

    good = png(tmp_path / "ok.png")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    paths = [str(good)] * 300
    paths[280] = str(tmp_path / "bad.png")
    paths[270] = str(tmp_path / "gone.png")
    with pytest.raises(DataError, match=r"m\.csv, row 272: image file .*gone\.png not found"):
        check_image_files(paths, Where("m.csv", 2))
    paths[270] = str(good)
    with pytest.raises(DataError, match=r"m\.csv, row 282: image .*bad\.png cannot be decoded"):
        check_image_files(paths, Where("m.csv", 2), workers=3)
    check_image_files(paths[:270], Where("m.csv", 2))


def test_csv_with_bom_and_crlf_line_endings(tmp_path):
    (tmp_path / "web.csv").write_bytes("\ufeffa,y\r\n1,cat\r\n2,dog\r\n".encode())
    write_project(tmp_path, [("web", "web.csv", "train")])
    ds = load_project(tmp_path)
    assert ds.feature_columns == ("a",) and list(ds.labels) == ["cat", "dog"]


def test_memory_budget_on_an_image_folder_is_refused_with_the_right_fix(tmp_path, cli):
    """--memory streams Parquet tables: an image folder gets its own one-line refusal (not
    the CSV's conversion command), exit 2, for split and profile."""
    for k in range(2):
        png(tmp_path / "imgs" / "cat" / f"{k}.png")
        png(tmp_path / "imgs" / "dog" / f"{k}.png")
    write_project(tmp_path, [("web", "imgs", "train")])
    for command in ("split", "profile"):
        result = cli(command, "--project", tmp_path, "--memory", "1GB")
        text = " ".join(result.output.split())
        assert result.exit_code == 2, result.output
        assert "is an image folder" in text and "drop --memory" in text, text
        assert "read_csv" not in text
