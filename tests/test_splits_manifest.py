"""The split manifest: atomic save with a sha256 sidecar, verified load, lookups."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.errors import DataError
from yearn.splits import SplitManifest, four_way_split, load_manifest, manifest_path


@pytest.fixture
def manifest() -> SplitManifest:
    rng = np.random.default_rng(0)
    ids = np.array([f"ex{i}" for i in range(600)], dtype=object)
    sources = np.array(["web"] * 400 + ["phone"] * 200, dtype=object)
    labels = rng.choice(["yes", "no"], size=600)
    groups = np.array([f"{s}-u{i // 2}" for i, s in enumerate(sources)], dtype=object)
    return four_way_split(
        ids, sources, target="phone", groups=groups, labels=labels, dev=50, test=50
    )


def test_save_and_load_round_trip(tmp_path, manifest):
    saved = manifest.save(tmp_path)
    assert saved.sha256 and len(saved.sha256) == 64
    path = manifest_path(tmp_path)
    assert path == tmp_path / ".yearn" / "splits.parquet" and path.exists()
    sidecar = json.loads((tmp_path / ".yearn" / "splits.json").read_text())
    assert sidecar["sha256"] == saved.sha256 and sidecar["sizes"] == manifest.sizes
    assert sidecar["settings"]["salt"] == "yearn" and sidecar["rows"] == 600
    loaded = load_manifest(tmp_path)
    assert loaded.sha256 == saved.sha256
    assert loaded.sizes == manifest.sizes
    assert list(loaded.table["id"]) == list(manifest.table["id"])
    assert list(loaded.table["split"].astype(str)) == list(manifest.table["split"].astype(str))
    assert loaded.settings == json.loads(json.dumps(manifest.settings))
    assert loaded.report.to_dict() == json.loads(json.dumps(manifest.report.to_dict()))
    # only the two files, no temporary files left behind
    assert sorted(p.name for p in (tmp_path / ".yearn").iterdir() if p.suffix != ".lock") == [
        "splits.json",
        "splits.parquet",
    ]


def test_saving_twice_gives_the_same_bytes(tmp_path, manifest):
    first = manifest.save(tmp_path).sha256
    assert manifest.save(tmp_path).sha256 == first


def test_a_changed_manifest_is_refused(tmp_path, manifest):
    manifest.save(tmp_path)
    path = manifest_path(tmp_path)
    table = pd.read_parquet(path)
    table["split"] = table["split"].astype(str)
    table.loc[0, "split"] = "test" if table.loc[0, "split"] != "test" else "train"
    table.to_parquet(path, index=False)
    with pytest.raises(DataError, match=r"sha256 .* does not match"):
        load_manifest(tmp_path)


def test_missing_or_broken_files_get_clear_errors(tmp_path, manifest):
    with pytest.raises(DataError, match="no split manifest yet; run 'yearn split"):
        load_manifest(tmp_path)
    manifest.save(tmp_path)
    sidecar = tmp_path / ".yearn" / "splits.json"
    sidecar.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_manifest(tmp_path)
    sidecar.unlink()
    with pytest.raises(DataError, match="sidecar is missing"):
        load_manifest(tmp_path)


def test_lookups_by_id(manifest):
    ids = manifest.table["id"].to_numpy()
    idx = manifest.indices(ids[::-1])
    assert sum(len(v) for v in idx.values()) == len(ids)
    dev_ids = set(manifest.ids("dev"))
    assert {ids[::-1][i] for i in idx["dev"]} == dev_ids
    assert list(manifest.split_of(["ex0", "ex599"])) == list(
        manifest.table.set_index("id").loc[["ex0", "ex599"], "split"].astype(str)
    )
    with pytest.raises(DataError, match=r"1 id\(s\) are not in the split manifest"):
        manifest.split_of(["ex0", "nope"])
    with pytest.raises(DataError, match="unknown split 'validation'"):
        manifest.ids("validation")


def test_html_display(manifest):
    html = manifest._repr_html_()
    assert "Split manifest" in html and "train_dev" in html and "dev vs test" in html


def test_a_sidecar_without_checks_still_loads(tmp_path, manifest, cli):
    manifest.save(tmp_path)
    sidecar = tmp_path / ".yearn" / "splits.json"
    meta = json.loads(sidecar.read_text())
    meta["report"] = {"sizes": {}}  # e.g. written by another version
    sidecar.write_text(json.dumps(meta))
    loaded = load_manifest(tmp_path)
    assert loaded.report is None and loaded.sizes == manifest.sizes
    result = cli("split", "--project", tmp_path, "--show")
    assert result.exit_code == 0 and "no checks saved" in result.output
