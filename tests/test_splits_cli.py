"""``yearn split`` end to end on CSV files, and the Python project API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from yearn.errors import YearnError
from yearn.splits import load_manifest
from yearn.splits.project import split_project

_TOML = """\
[project]
name = "speech"
task = "binary"
id_column = "id"
label_column = "y"
group_column = "speaker"
feature_columns = ["x"]
metadata_columns = ["noise"]

[[sources]]
name = "general"
path = "general.csv"
role = "{general_role}"

[[sources]]
name = "car"
path = "car.csv"
role = "target"

[split]
dev = {dev}
test = {test}
target_to_train = {ttt}
train_dev = 0.1
salt = "{salt}"
"""


def _write_source(path: Path, prefix: str, n: int, seed: int, *, speakers: int, start: int = 0):
    rng = np.random.default_rng(seed)
    idx = np.arange(start, start + n)
    pd.DataFrame(
        {
            "id": [f"{prefix}{i}" for i in idx],
            "x": rng.normal(size=n),
            "noise": rng.uniform(size=n),
            "speaker": [f"{prefix}-s{i % speakers}" for i in idx],
            "y": rng.choice(["yes", "no"], size=n),
        }
    ).to_csv(path, index=False, mode="a" if start else "w", header=not start)


def _project(
    root: Path,
    *,
    dev="100",
    test="100",
    ttt="200",
    salt="yearn",
    general_role="train",
    car=400,
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _write_source(root / "general.csv", "g", 1_000, 0, speakers=250)
    _write_source(root / "car.csv", "c", car, 1, speakers=car)
    (root / "yearn.toml").write_text(
        _TOML.format(dev=dev, test=test, ttt=ttt, salt=salt, general_role=general_role)
    )
    return root


def test_split_command_saves_the_manifest_and_records_a_run(cli, tmp_path):
    root = _project(tmp_path / "p")
    result = cli("split", "--project", root)
    assert result.exit_code == 0, result.output
    for text in ("train_dev", "group overlap: 0", "dev vs test on 'label'", "recorded as run"):
        assert text in result.output
    manifest = load_manifest(root)
    assert manifest.sizes["dev"] == 100 and manifest.sizes["test"] == 100
    assert manifest.sizes["train"] + manifest.sizes["train_dev"] == 1_200
    assert set(manifest.table.loc[manifest.table["split"] == "dev", "source"]) == {"car"}

    from yearn.store import open_store

    store = open_store(root)
    try:
        runs = store.list_runs(kind="split")
        assert len(runs) == 1 and runs[0].status == "completed"
        assert runs[0].config["sha256"] == manifest.sha256
        metrics = store.metrics(runs[0].id)
        dev = metrics[(metrics["name"] == "examples") & (metrics["split"] == "dev")]
        assert dev["value"].tolist() == [100.0]
        assert store.artifact_path(runs[0].id, "splits.parquet").exists()
    finally:
        store.close()


def test_split_json_output(cli, tmp_path):
    root = _project(tmp_path / "p")
    result = cli("split", "--project", root, "--json", "--no-record")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sizes"]["dev"] == 100 and data["run_id"] is None
    assert data["report"]["group_overlap"] == 0 and data["report"]["ok"] is True
    assert {t["column"] for t in data["report"]["distribution"]} == {"label", "noise"}
    assert data["sha256"] == load_manifest(root).sha256
    # dev 100 at 10% error: ±5.9 points, wider than 1 point → warned, with the numbers
    assert any(w.startswith("dev has 100 examples") for w in data["report"]["warnings"])


def test_growing_data_keeps_every_earlier_split(cli, tmp_path):
    root = _project(tmp_path / "p", dev="0.25", test="0.25", ttt="0.5")
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    before = load_manifest(root).table.set_index("id")["split"].astype(str)
    _write_source(root / "car.csv", "c", 200, 7, speakers=600, start=400)
    _write_source(root / "general.csv", "g", 300, 8, speakers=250, start=1_000)
    result = cli("split", "--project", root, "--no-record", "--json")
    assert result.exit_code == 0, result.output
    grown = load_manifest(root)
    after = grown.table.set_index("id")["split"].astype(str)
    assert len(after) == 1_900
    assert (after.loc[before.index] == before).all()
    assert grown.sizes["dev"] == 150 and grown.sizes["test"] == 150  # 25% of 600
    assert any("kept their split" in n for n in json.loads(result.output)["report"]["notes"])


def test_a_new_salt_needs_fresh(cli, tmp_path):
    root = _project(tmp_path / "p")
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    toml = root / "yearn.toml"
    toml.write_text(toml.read_text().replace('salt = "yearn"', 'salt = "v2"'))
    result = cli("split", "--project", root, "--no-record")
    assert result.exit_code == 2 and "yearn split --fresh" in " ".join(result.output.split())
    assert cli("split", "--project", root, "--no-record", "--fresh").exit_code == 0
    assert load_manifest(root).settings["salt"] == "v2"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dev": "200", "test": "150", "ttt": "100"}, "add up to at most the target source"),
        ({"car": 3, "dev": "2", "test": "2", "ttt": "0"}, "too few for dev"),
        ({"general_role": "target"}, "only one source may have role = 'target'"),
        ({"dev": "2.5"}, "whole count"),
    ],
)
def test_bad_split_settings_exit_2(cli, tmp_path, options, message):
    root = _project(tmp_path / "p", **options)
    result = cli("split", "--project", root, "--no-record")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    with pytest.raises(YearnError):
        split_project(root, record=False)


def test_no_target_source_exits_2(cli, tmp_path):
    root = _project(tmp_path / "p")
    toml = root / "yearn.toml"
    toml.write_text(toml.read_text().replace('role = "target"', 'role = "train"'))
    result = cli("split", "--project", root, "--no-record")
    assert result.exit_code == 2
    assert "no source has role 'target'" in " ".join(result.output.split())


def test_cross_source_groups_error_then_train(cli, tmp_path):
    root = _project(tmp_path / "p", ttt="0.25")
    car = pd.read_csv(root / "car.csv")
    car.loc[:9, "speaker"] = "g-s1"  # ten car examples share a speaker with general data
    car.to_csv(root / "car.csv", index=False)
    result = cli("split", "--project", root, "--no-record")
    assert result.exit_code == 2 and "--cross-source-groups" in result.output
    result = cli(
        "split", "--project", root, "--no-record", "--cross-source-groups", "train", "--json"
    )
    assert result.exit_code == 0, result.output
    table = load_manifest(root).table
    assert set(table.loc[table["group"] == "g-s1", "split"].astype(str)) <= {"train", "train_dev"}


def test_tampered_manifest_and_bad_options_exit_2(cli, tmp_path):
    root = _project(tmp_path / "p")
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    path = root / ".yearn" / "splits.parquet"
    path.write_bytes(path.read_bytes() + b"x")
    result = cli("split", "--project", root, "--no-record")
    assert result.exit_code == 2 and "sha256" in result.output
    result = cli("split", "--project", root, "--no-record", "--fresh", "--expected-error", "2")
    assert result.exit_code == 2 and "expected_error" in result.output
    result = cli("split", "--project", tmp_path / "nowhere")
    assert result.exit_code == 2 and "yearn init" in result.output


def test_show_prints_the_saved_manifest(cli, tmp_path):
    root = _project(tmp_path / "p")
    result = cli("split", "--project", root, "--show")
    assert result.exit_code == 2 and "no split manifest yet" in result.output
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    result = cli("split", "--project", root, "--show", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sizes"]["dev"] == 100 and data["sha256"] == load_manifest(root).sha256
    text = cli("split", "--project", root, "--show").output
    assert "asked" in text and "labels per split" in text


def test_cv_command_cross_validates_a_baseline(cli, tmp_path):
    root = _project(tmp_path / "p")
    result = cli("cv", "--project", root)
    assert result.exit_code == 2 and "no split manifest yet" in result.output
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    result = cli("cv", "--project", root, "--model", "majority", "--json", "--n-splits", "4")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # the folds stay inside the training distribution: train and train-dev, never dev
    assert out["examples"] == 1_200 and out["on"] == ["train", "train_dev"]
    res = out["result"]
    assert res["protocol"] == "4-fold" and len(res["scores"]) == 4 and res["metric"] == "error"
    assert res["ci_low"] <= res["mean"] <= res["ci_high"]
    # the majority class is 'no' or 'yes' at ~50%: its error is the minority share per fold
    assert all(0.3 < s < 0.7 for s in res["scores"])

    from yearn.store import open_store

    store = open_store(root)
    try:
        run = store.get_run(out["run_id"])
        assert run.kind == "cv" and run.status == "completed"
        metrics = store.metrics(run.id)
        assert len(metrics[metrics["split"] == "cv_fold"]) == 4
    finally:
        store.close()
    text = cli("cv", "--project", root, "--protocol", "holdout", "--no-record").output
    assert "one fold: no interval" in text


def test_cv_with_yearn_models_in_the_metric_error_form(cli, tmp_path):
    root = _project(tmp_path / "p")
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    args = ("cv", "--project", root, "--n-splits", "3", "--no-record", "--json")
    out = json.loads(cli(*args, "--model", "mlp", "--epochs", "2", "--metric", "f1").output)
    assert out["trainer"] == "yearn" and out["result"]["metric"] == "1-f1"
    assert len(out["result"]["scores"]) == 3 and 0 <= out["result"]["mean"] <= 1
    lin = cli(*args, "--model", "linear", "--epochs", "2")
    assert lin.exit_code == 0, lin.output
    cnn = cli(*args, "--model", "cnn")
    assert cnn.exit_code == 2 and "image project" in cnn.output


def test_cv_final_test_counts_every_look(cli, tmp_path):
    root = _project(tmp_path / "p")
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    args = ("cv", "--project", root, "--model", "majority", "--final-test", "--json")
    first = json.loads(cli(*args).output)
    assert first["test"]["looks_for_model"] == 1 and first["warnings"] == []
    second = json.loads(cli(*args, "--no-record").output)
    assert second["test"]["looks_for_model"] == 2
    assert "the test set is being tuned on" in second["warnings"][0]
    assert second["test"]["value"] == first["test"]["value"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--on", "train,test"), "never test"),
        (("--model", "forest"), "model must be one of"),
        (("--protocol", "loo"), "--protocol must be one of"),
        (("--n-splits", "1"), "n_splits must be an integer >= 2"),
        (("--ci", "bootstrap"), "ci must be one of"),
    ],
)
def test_cv_bad_options_exit_2(cli, tmp_path, args, message):
    root = _project(tmp_path / "p")
    assert cli("split", "--project", root, "--no-record").exit_code == 0
    result = cli("cv", "--project", root, "--no-record", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_split_dataset_uses_roles_groups_labels_and_metadata():
    from dataclasses import replace

    from yearn.config import SplitConfig
    from yearn.data import from_frame
    from yearn.splits import split_dataset

    rng = np.random.default_rng(4)
    n = 900
    df = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "x": rng.normal(size=n),
            "blur": rng.uniform(size=n),
            "user": [f"u{i // 3}" for i in range(n)],
            "y": rng.choice(["cat", "dog"], size=n),
        }
    )
    ds = from_frame(
        df,
        task="binary",
        label="y",
        id_column="id",
        group_column="user",
        metadata=["blur"],
        source="web",
    )
    frame = ds.frame.copy()
    frame.loc[600:, "source"] = "phone"
    frame.loc[600:, "role"] = "target"
    ds = replace(ds, frame=frame)
    m = split_dataset(ds, SplitConfig(dev=60, test=60, target_to_train=0.5, train_dev=0.1))
    assert m.settings["target"] == "phone" and m.settings["task"] == "binary"
    assert m.sizes["dev"] == 60 and m.sizes["test"] == 60  # groups of 3 divide 60
    assert {t.column for t in m.report.distribution} == {"label", "blur"}
    assert (m.table.groupby("group")["split"].nunique() == 1).all()
    with pytest.raises(YearnError, match="no source has role 'target'"):
        split_dataset(replace(ds, frame=ds.frame.assign(role="train")))


def test_split_dataset_multilabel_is_not_stratified():
    from dataclasses import replace

    from yearn.data import from_frame
    from yearn.splits import split_dataset

    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(
        {
            "id": range(n),
            "x": rng.normal(size=n),
            "a": rng.integers(0, 2, n).astype(float),
            "b": rng.integers(0, 2, n).astype(float),
        }
    )
    ds = from_frame(df, task="multilabel", label=["a", "b"], id_column="id", source="web")
    frame = ds.frame.copy()
    frame.loc[150:, "source"] = "phone"
    frame.loc[150:, "role"] = "target"
    m = split_dataset(replace(ds, frame=frame))
    assert m.sizes["dev"] == 38 and m.sizes["test"] == 38  # 25% of 150, rounded half-even
    assert m.report.notes == ["multi-label targets: splits are not stratified by label."]
