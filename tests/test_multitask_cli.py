"""yearn multitask / multitask-compare on real folders (the scenes demo, CSV files)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.demo import make_scenes_demo
from yearn.demo.scenes import SCENE_OBJECTS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    from yearn.splits.project import split_project

    root = make_scenes_demo(tmp_path_factory.mktemp("scenes") / "demo", n=240)
    split_project(root, record=False)
    return root


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_scenes_demo_has_partial_labels_with_both_markers(scenes):
    table = pd.read_csv(scenes / "data" / "scenes.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(scenes / "truth" / "labels.csv")
    assert list(table.columns) == ["id", "path", *SCENE_OBJECTS]
    cells = table[list(SCENE_OBJECTS)].to_numpy()
    assert {"", "?", "0", "1"} == set(np.unique(cells))
    assert 0.15 < np.isin(cells, ["", "?"]).mean() < 0.35
    known = ~np.isin(cells, ["", "?"])
    assert (cells[known].astype(int) == truth[list(SCENE_OBJECTS)].to_numpy()[known]).all()
    again = make_scenes_demo(scenes.parent / "again", n=240)  # deterministic
    assert (again / "data" / "scenes.csv").read_bytes() == (
        scenes / "data" / "scenes.csv"
    ).read_bytes()


def test_multitask_trains_one_network_and_reports_every_task(cli, scenes):
    out = _json(cli("multitask", "-p", scenes, "--epochs", "3", "--width", "4", "--json"))
    assert out["tasks"] == list(SCENE_OBJECTS)
    dev = [r for r in out["scores"] if r["split"] == "dev"]
    assert [r["task"] for r in dev] == list(SCENE_OBJECTS)
    assert all(r["n_missing"] > 0 for r in dev)
    assert set(out["diagnosis"]) == set(SCENE_OBJECTS)
    assert 0 < out["mean_average_precision"]["dev"] <= 1
    text = cli("multitask", "-p", scenes, "--epochs", "1", "--width", "4", "--keep-column", "x")
    assert text.exit_code == 0 and "mean average precision" in text.output


def test_multitask_compare_from_the_cli(cli, scenes):
    out = _json(
        cli(
            "multitask-compare",
            "-p",
            scenes,
            "--epochs",
            "2",
            "--width",
            "4",
            "--small-width",
            "1",
            "--no-advice",
            "--json",
        )
    )
    tasks = [r["task"] for r in out["rows"]]
    assert tasks == [*SCENE_OBJECTS, "overall"]
    assert "joint (width 1)" in out["rows"][0]
    assert out["advice"] is None
    assert set(out["run_ids"]) == {"joint", "joint-w1", *(f"separate-{t}" for t in SCENE_OBJECTS)}
    from yearn.store import open_store

    store = open_store(scenes)
    record = store.list_runs(kind="multitask_compare")[0]
    metrics = store.metrics(record.id)
    assert {"overall:joint", "overall:separate", "car:joint"} <= set(metrics["name"])


TOML = """
[project]
task = "multilabel"
label_columns = ["a", "b"]
id_column = "id"
missing_label_marker = "?"

[[sources]]
name = "main"
path = "data.csv"
role = "target"
"""


def test_a_task_with_every_label_missing_exits_2(cli, tmp_path):
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "x": rng.normal(size=n)})
    frame["a"] = (frame["x"] > 0).astype(int).astype(str)
    frame["b"] = np.where(rng.random(n) < 0.5, "", "?")  # empty cells and the marker only
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    result = cli("multitask", "-p", tmp_path, "--epochs", "1")
    assert result.exit_code == 2, result.output
    # yearn.data refuses the file when it is loaded: the column and the count are named
    assert "'b'" in result.output and "0 known labels" in result.output


def test_multitask_on_a_single_label_project_is_refused(cli, tmp_path):
    (tmp_path / "data.csv").write_text(
        "id,x,y\n" + "".join(f"r{i},{i * 7 % 13},{i % 2}\n" for i in range(40))
    )
    (tmp_path / "yearn.toml").write_text(
        TOML.replace('"multilabel"', '"binary"')
        .replace('label_columns = ["a", "b"]', 'label_column = "y"')
        .replace('missing_label_marker = "?"\n', "")
    )
    from yearn.splits.project import split_project

    split_project(tmp_path, record=False)
    result = cli("multitask", "-p", tmp_path)
    assert result.exit_code == 2 and 'task = "multilabel"' in result.output


def test_multilabel_screen_leaves_out_an_id_like_column(cli, tmp_path, monkeypatch):
    """No single label, so no leakage test, but an id-like column is still found and left
    out (Python API and CLI); --keep-column keeps it; the run records its columns."""
    from yearn.multitask import fit_multitask_project
    from yearn.paths import KEEP_COLUMNS_ENV
    from yearn.splits.project import split_project
    from yearn.store import open_store

    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "x": rng.normal(size=n)})
    frame["serial"] = rng.permutation(n) * 7 + 1000  # integers unique per row: id-like
    frame["a"] = (frame["x"] > 0).astype(int)
    frame["b"] = (frame["x"] + rng.normal(0, 1, n) > 0).astype(int)
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    split_project(tmp_path, record=False)
    result = fit_multitask_project(tmp_path, "mlp", epochs=1, width=4)
    config = open_store(tmp_path).get_run(result.run_id).config
    assert config["columns"] == ["x"] and set(config["excluded_columns"]) == {"serial"}
    out = _json(cli("multitask", "-p", tmp_path, "--epochs", "1", "--keep-column", "serial",
                    "--json"))  # fmt: skip
    assert open_store(tmp_path).get_run(out["run_id"]).config["columns"] == ["x", "serial"]


def test_multitask_diagnosis_counts_groups_of_the_project(tmp_path):
    """Four rows per original share their inputs and labels: the per-task diagnosis must
    count groups, as `yearn diagnose` does, not rows."""
    from yearn.multitask import fit_multitask_project
    from yearn.splits.project import split_project

    rng = np.random.default_rng(0)
    originals = rng.normal(size=60)
    x = np.repeat(originals, 4) + rng.normal(0, 0.01, 240)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(240)], "x": x})
    frame["origin"] = [f"g{i // 4}" for i in range(240)]
    frame["a"] = (np.repeat(originals, 4) > 0).astype(int)
    frame["b"] = (np.repeat(originals + rng.normal(0, 1, 60), 4) > 0).astype(int)
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(
        TOML.replace('id_column = "id"', 'id_column = "id"\ngroup_column = "origin"')
    )
    split_project(tmp_path, record=False)
    result = fit_multitask_project(tmp_path, "mlp", epochs=1, width=4)
    notes = " ".join(" ".join(d.caveats) for d in result.diagnosis.tasks.values())
    assert "origin" in notes, notes
