"""Images (size/brightness, near duplicates, sample grid), text, maps and Dataset input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import ndimage

from tests._profile_data import make_table
from yearn.profile import profile


@pytest.fixture
def image_table(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(24):
        img = ndimage.gaussian_filter(rng.random((48, 48)), 3)
        img = (img - img.min()) / (img.max() - img.min()) * 255
        path = tmp_path / f"img{i}.png"
        Image.fromarray(img.astype(np.uint8)).convert("RGB").save(path)
        rows.append(
            {
                "path": str(path),
                "y": ["cat", "dog"][i % 2],
                "split": "train" if i < 16 else "test",
                "brightness_hint": float(i),
            }
        )
    # a near copy of a training image lands in test: slightly brighter, re-encoded as JPEG
    with Image.open(rows[0]["path"]) as im:
        copy = Image.eval(im, lambda v: min(255, v + 6))
        copy.save(tmp_path / "copy.jpg", quality=90)
    rows.append(
        {"path": str(tmp_path / "copy.jpg"), "y": "cat", "split": "test", "brightness_hint": 0.0}
    )
    (tmp_path / "broken.png").write_bytes(b"not an image")
    rows.append(
        {"path": str(tmp_path / "broken.png"), "y": "dog", "split": "train", "brightness_hint": 1.0}
    )
    return pd.DataFrame(rows)


def test_images_near_duplicates_sizes_and_grid(image_table):
    result = profile(image_table, label="y", image_column="path")
    near = result["near_duplicates"]
    assert near.severity == "error"
    assert near.summary["pairs_across_groups"] == 1
    assert near.summary["unreadable"] == 1
    pair = next(e for e in near.evidence if "across" in e["kind"])
    assert sorted(pair["groups"]) == ["test", "train"] and pair["rows"] == [0, 24]
    stats = result["summary"].summary["columns"]["path"]["image"]
    assert stats["width"] == {"min": 48, "median": 48.0, "max": 48}
    assert stats["unreadable"] == 1
    assert 0 < stats["brightness"]["mean"] < 255
    figs = result.figures()
    assert figs["samples/images.png"].startswith(b"\x89PNG")


def test_text_column_lengths_and_no_false_duplicates():
    frame = make_table(n=300)
    words = np.array(["good", "bad", "slow", "fast", "cheap", "great"])
    rng = np.random.default_rng(0)
    frame["review"] = [" ".join(rng.choice(words, 3 + i % 9)) for i in range(300)]
    result = profile(frame, label="y", id_column="id", text_columns=["review"])
    info = result["summary"].summary["columns"]["review"]
    assert info["kind"] == "text"
    lengths = frame["review"].str.len()
    train = frame["split"] == "train"
    assert info["length_by_group"]["train"]["max"] == lengths[train].max()
    assert result["duplicates"].severity == "info"


def test_map_of_latitude_longitude():
    frame = make_table(n=400)
    rng = np.random.default_rng(1)
    frame["latitude"] = rng.uniform(43, 46, 400)
    frame["longitude"] = rng.uniform(-92, -88, 400)
    frame.loc[3, "latitude"] = 123.0  # impossible
    result = profile(frame, label="y", id_column="id", checks=["geo"])["geo"]
    assert result.severity == "warning"
    assert result.summary["out_of_range"] == 1
    assert result.flags[3] and result.n_flagged == 1
    assert result.summary["lat_column"] == "latitude"
    from yearn.profile._plots import figures_of

    assert figures_of(result)["map"].startswith(b"\x89PNG")


def test_dataset_input_uses_its_columns():
    from yearn.data import from_frame

    frame = make_table(plant="leak").drop(columns=["source", "role", "split"])
    ds = from_frame(frame, task="binary", label="y", id_column="id")
    result = profile(ds)
    assert result.label == "y" and result.task == "binary"
    assert result["leakage"].summary["leaks"] == ["leak"]
    assert "id" not in result["summary"].summary["columns"]


def test_image_shift_between_sources(tmp_path):
    rng = np.random.default_rng(2)
    rows = []
    for i in range(60):
        role = "train" if i < 30 else "target"
        img = ndimage.gaussian_filter(rng.random((32, 32)), 2 if role == "train" else 0.5)
        img = (img - img.min()) / (img.max() - img.min()) * (120 if role == "train" else 250)
        path = tmp_path / f"{role}{i}.png"
        Image.fromarray(img.astype(np.uint8)).save(path)
        rows.append({"path": str(path), "y": i % 2, "role": role})
    result = profile(pd.DataFrame(rows), label="y", image_column="path", checks=["shift"])
    shift = result["shift"]
    assert shift.severity == "warning"
    assert {"path:brightness", "path:contrast"} <= set(shift.summary["shifted"])
    assert "sampled images" in shift.summary["compared"]


def test_profile_save_writes_json_html_and_figures(tmp_path):
    import json

    result = profile(make_table(n=300), label="y", id_column="id", checks=["summary", "samples"])
    paths = result.save(tmp_path / "out")
    names = sorted(str(p.relative_to(tmp_path / "out")) for p in paths)
    assert names == [
        "figures/samples/rows.png",
        "figures/summary/histograms.png",
        "profile.html",
        "profile.json",
    ]
    assert json.loads((tmp_path / "out" / "profile.json").read_text())["n_rows"] == 300
