"""The error worksheet: sampling, previews, tags, atomic saves with backups, validation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests._tables import make_table
from yearn.erroranalysis import load_worksheet, parse_tag_cell, sample_errors
from yearn.errors import DataError, YearnError
from yearn.predictions import write_predictions


@pytest.fixture
def table_path(tmp_path):
    return write_predictions(make_table(), tmp_path / "preds.csv")


def test_sample_is_deterministic_and_only_dev_errors(table_path):
    a = sample_errors(table_path, n=10, random_state=3)
    b = sample_errors(table_path, n=10, random_state=3)
    c = sample_errors(table_path, n=10, random_state=4)
    assert a.ids == b.ids and a.ids != c.ids
    assert len(a) == 10
    f = a.frame
    assert (f["split"] == "dev").all() and (f["label"] != f["pred"]).all()
    assert not f["correct"].any()
    assert list(f.columns[:6]) == ["id", "split", "label", "pred", "confidence", "correct"]
    assert list(f.columns[-4:]) == ["preview", "tags", "suggested_tags", "comment"]
    assert {"blur", "source"} <= set(f.columns)
    assert np.allclose(f["confidence"], 0.8)


def test_all_errors_when_fewer_and_some_correct(table_path):
    frame = make_table()
    dev = frame[frame["split"] == "dev"]
    n_err = int((np.where(dev["proba:cat"] > 0.5, "cat", "dog") != dev["label"]).sum())
    sheet = sample_errors(table_path, n=1000, n_correct=7)
    assert int((~sheet.frame["correct"]).sum()) == n_err
    assert int(sheet.frame["correct"].sum()) == 7


def test_table_preview_lists_row_values(table_path):
    sheet = sample_errors(table_path, n=3)
    assert sheet.frame["preview"].str.contains("blur=").all()
    assert sheet.frame["preview"].str.contains("source=").all()


def test_image_preview_is_a_thumbnail_data_uri(tmp_path):
    frame = make_table(60)
    for i in range(len(frame)):
        Image.fromarray((np.eye(8) * 255).astype(np.uint8)).save(tmp_path / f"{i}.png")
    frame["path"] = [f"{i}.png" for i in range(len(frame))]
    path = write_predictions(frame, tmp_path / "p.parquet")
    sheet = sample_errors(path, n=2)
    assert sheet.frame["preview"].str.startswith("data:image/png;base64,").all()


def test_text_preview_is_a_snippet(tmp_path):
    frame = make_table(60)
    frame["text"] = ["a fairly long review of the product that goes on and on " * 3] * len(frame)
    sheet = sample_errors(frame, n=2)
    preview = sheet.frame["preview"].iloc[0]
    assert preview.startswith("a fairly long review") and len(preview) <= 80


def test_tag_cells_parse_and_reject_malformed():
    assert parse_tag_cell("blurry; great cat ;; dog") == ["blurry", "great cat", "dog"]
    assert parse_tag_cell("") == [] and parse_tag_cell(float("nan")) == []
    assert parse_tag_cell("흐릿함") == ["흐릿함"]
    with pytest.raises(DataError, match="separate tags with ';'"):
        parse_tag_cell("blurry, dog")
    with pytest.raises(DataError, match="not a valid tag"):
        parse_tag_cell("#blurry")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_keeps_tags_and_comments(table_path, tmp_path, suffix):
    sheet = sample_errors(table_path, n=5)
    first = sheet.ids[0]
    sheet.set_tags(first, ["blurry", "great cat"])
    sheet.add_tags(first, ["dog"])
    sheet.set_comment(first, "hard one")
    out = sheet.save(tmp_path / f"ws{suffix}")
    back = load_worksheet(out, table_path)
    assert back.tags(first) == ["blurry", "great cat", "dog"]
    assert back.frame.loc[back.frame["id"] == first, "comment"].item() == "hard one"
    assert back.ids == sheet.ids
    assert back.to_records()[0]["tags"] == ["blurry", "great cat", "dog"]


def test_every_save_keeps_a_backup_and_a_bad_save_changes_nothing(table_path, tmp_path):
    path = tmp_path / "ws.csv"
    sheet = sample_errors(table_path, n=5)
    sheet.save(path)
    sheet.set_tags(sheet.ids[0], "blurry")
    sheet.save(path)
    good = path.read_bytes()
    backups = list((tmp_path / ".yearn-backups").glob("ws.*.csv"))
    assert len(backups) == 1 and b"blurry" not in backups[0].read_bytes()
    sheet.frame.loc[1, "tags"] = "bad, cell"  # an edit that does not validate
    with pytest.raises(DataError, match="row 3"):
        sheet.save(path)
    assert path.read_bytes() == good
    assert len(list((tmp_path / ".yearn-backups").glob("ws.*.csv"))) == 1


def test_unknown_ids_are_named(table_path, tmp_path):
    sheet = sample_errors(table_path, n=5)
    path = sheet.save(tmp_path / "ws.csv")
    edited = pd.read_csv(path, dtype=str)
    edited.loc[0, "id"] = "nope-1"
    edited.loc[1, "id"] = "nope-2"
    edited.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"'nope-1', 'nope-2'.*not in the predictions"):
        load_worksheet(path, table_path)


def test_malformed_cell_in_file_names_the_row(table_path, tmp_path):
    path = sample_errors(table_path, n=5).save(tmp_path / "ws.csv")
    edited = pd.read_csv(path, dtype=str, keep_default_na=False)
    edited.loc[2, "tags"] = "blurry|dog"
    edited.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"row 4, column 'tags'"):
        load_worksheet(path)


def test_bad_inputs(table_path, tmp_path):
    with pytest.raises(YearnError, match="n must be an integer"):
        sample_errors(table_path, n=0)
    with pytest.raises(DataError, match="not found"):
        load_worksheet(tmp_path / "missing.csv")
    (tmp_path / "no_tags.csv").write_text("id,label,pred\nx1,a,b\n")
    with pytest.raises(DataError, match="missing column"):
        load_worksheet(tmp_path / "no_tags.csv")
    reg = pd.DataFrame({"id": [1, 2], "split": "dev", "label": [1.0, 2.0], "pred": [1.5, 2.0]})
    with pytest.raises(YearnError, match="single-label classification"):
        sample_errors(reg)
    sheet = sample_errors(table_path, n=2)
    with pytest.raises(DataError, match="not in the worksheet"):
        sheet.set_tags("zzz", ["a"])
    with pytest.raises(DataError, match=r"\.csv or \.parquet"):
        sheet.save(tmp_path / "ws.xlsx")


def test_cli_sample_and_tag(cli, table_path, tmp_path):
    out = tmp_path / "ws.csv"
    result = cli(
        "errors", "sample", "--predictions", table_path, "--n", "8", "--correct", "2",
        "--out", out, "--rule", "blur > 0.5 -> blurry", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["rows"] == 10 and info["errors"] == 8
    sheet = load_worksheet(out)
    first = sheet.ids[0]
    assert sheet.tags(first) == []  # suggestions are not tags until confirmed
    blurry = sheet.frame["blur"] > 0.5
    assert (sheet.frame.loc[blurry, "suggested_tags"].str.contains("blurry")).all()
    result = cli("errors", "tag", out, "--id", first, "--tags", "dog; great cat", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tags"] == ["dog", "great cat"]
    assert load_worksheet(out).tags(first) == ["dog", "great cat"]
    result = cli("errors", "tag", out, "--accept-suggestions")
    assert result.exit_code == 0
    accepted = load_worksheet(out)
    assert all("blurry" in t for t, b in zip(accepted.tag_lists(), blurry, strict=True) if b)


def test_cli_errors_exit_2(cli, table_path, tmp_path):
    result = cli("errors", "tag", tmp_path / "nope.csv", "--id", "x", "--tags", "a")
    assert result.exit_code == 2 and "not found" in result.output
    out = tmp_path / "ws.csv"
    assert cli("errors", "sample", "-p", table_path, "--out", out).exit_code == 0
    result = cli("errors", "tag", out, "--id", "x000", "--tags", "a, b")
    assert result.exit_code == 2 and "separate tags with ';'" in result.output
    result = cli("errors", "sample", "-p", table_path, "--rule", "blur >> 1 -> x")
    assert result.exit_code == 2 and "rule" in result.output


def test_html_display_shows_thumbnails(tmp_path):
    frame = make_table(40)
    for i in range(len(frame)):
        Image.fromarray((np.eye(8) * 255).astype(np.uint8)).save(tmp_path / f"{i}.png")
    frame["path"] = [str(tmp_path / f"{i}.png") for i in range(len(frame))]
    sheet = sample_errors(frame, n=3)
    sheet.set_tags(sheet.ids[0], ["salt & pepper"])
    html = sheet._repr_html_()
    assert html.count('<img src="data:image/png;base64,') == len(sheet) > 0
    assert "salt &amp; pepper" in html
