"""``yearn baseline`` and ``run_baselines`` on real project folders (CSV, image folders)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.baselines import run_baselines
from yearn.errors import DataError
from yearn.predictions import load_predictions
from yearn.store import open_store

from ._toy_project import TOY_TOML, toy_table

TOML = TOY_TOML


def _flat(result) -> str:
    """The CLI output on one line (Rich wraps long messages)."""
    return " ".join(result.output.split())


@pytest.fixture
def project(tmp_path):
    from yearn.splits.project import split_project

    toy_table("w", 300, 0).to_csv(tmp_path / "web.csv", index=False)
    toy_table("p", 240, 1).to_csv(tmp_path / "phone.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    split_project(tmp_path, record=False)
    return tmp_path


def test_run_baselines_records_runs_and_never_sees_test(project) -> None:
    from yearn.splits import load_manifest

    report = run_baselines(project)
    manifest = load_manifest(project)
    store = open_store(project)
    runs = store.list_runs(kind="baseline")
    assert {r.name for r in runs} == {f"baseline:{n}" for n in report.tables}
    assert all(r.status == "completed" for r in runs)
    test_ids = set(manifest.ids("test").astype(str))
    for name, run_id in report.run_ids.items():
        preds = load_predictions(store.artifact_path(run_id, "predictions.parquet"))
        assert set(preds.splits) <= {"train", "train_dev", "dev"}
        assert not test_ids & set(preds.frame["id"].astype(str))
        metrics = store.metrics(run_id)
        dev = metrics[(metrics["split"] == "dev") & (metrics["name"] == "error")]
        assert float(dev["value"].iloc[0]) == pytest.approx(report.value(name, "dev"))
        config = store.get_run(run_id).config
        assert config["split_sha256"] == manifest.sha256 and config["baseline"] == name
    store.close()
    dev_ids = set(manifest.ids("dev").astype(str))
    dev_rows = report.tables["majority"].query("split == 'dev'")
    assert set(dev_rows["id"].astype(str)) == dev_ids


def test_baseline_cli_table_json_and_verdict(cli, project) -> None:
    res = cli("baseline", "--project", project, "--no-record")
    assert res.exit_code == 0, res.output
    assert "best baseline on dev" in _flat(res) and "majority" in _flat(res)
    res = cli(
        "baseline", "--project", project, "--json", "--only", "majority", "--only", "logistic"
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["baselines"]["best"] == "logistic" and len(out["baselines"]["run_ids"]) == 2
    # a weak model (the majority baseline's own predictions, given as a run id)
    majority = out["baselines"]["run_ids"]["majority"]
    res = cli("baseline", "--project", project, "--model", majority, "--no-record", "--json")
    assert res.exit_code == 0, res.output
    verdict = json.loads(res.output)["verdict"]
    assert verdict["beats"] is False and verdict["model"] == "baseline:majority"
    assert len(verdict["hypotheses"]) == 2


def test_baseline_cli_from_predictions_tables_only(cli, project, tmp_path) -> None:
    report = run_baselines(project, record=False)
    report.tables["majority"].to_parquet(tmp_path / "base.parquet")
    report.tables["logistic"].to_csv(tmp_path / "mine.csv", index=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    res = cli(
        "baseline", "--project", elsewhere, "--model", tmp_path / "mine.csv",
        "--baseline", tmp_path / "base.parquet",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "mine beats the best baseline (base) on dev by" in " ".join(res.output.split())


def test_baseline_errors(cli, project, tmp_path) -> None:
    res = cli("baseline", "--project", tmp_path / "nowhere")
    assert res.exit_code == 2 and "no project file" in _flat(res)
    res = cli("baseline", "--project", project, "--baseline", "x.parquet")
    assert res.exit_code == 2 and "--baseline needs --model" in _flat(res)
    res = cli("baseline", "--project", project, "--metric", "rmse", "--no-record")
    assert res.exit_code == 2 and "'rmse' applies to regression" in _flat(res)
    (project / ".yearn" / "splits.parquet").unlink()
    with pytest.raises(DataError, match="no split manifest yet"):
        run_baselines(project)


def test_image_project_flattens_pixels(tmp_path) -> None:
    from PIL import Image

    from yearn.splits.project import split_project

    rng = np.random.default_rng(0)
    for role in ("web", "phone"):
        for label, level in (("dark", 40), ("light", 210)):
            folder = tmp_path / role / label
            folder.mkdir(parents=True)
            for i in range(30):
                pixels = np.clip(rng.normal(level, 30, (8, 8)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{i}.png")
    (tmp_path / "yearn.toml").write_text(
        '[project]\nname = "img"\ntask = "binary"\nlabel_column = "label"\n\n'
        '[[sources]]\nname = "web"\npath = "web"\nrole = "train"\n\n'
        '[[sources]]\nname = "phone"\npath = "phone"\nrole = "target"\n'
    )
    split_project(tmp_path, record=False)
    report = run_baselines(tmp_path, record=False, baselines=["majority", "logistic"])
    assert report.value("logistic", "dev") < 0.1 < report.value("majority", "dev")


def test_baseline_cli_model_alone_outside_a_project(cli, tmp_path) -> None:
    rng = np.random.default_rng(0)
    y = np.where(rng.random(400) < 0.7, "a", "b")
    table = pd.DataFrame({"id": range(400), "split": "dev", "label": y, "pred": "a"})
    table.to_parquet(tmp_path / "lazy.parquet")
    res = cli("baseline", "--project", tmp_path, "--model", tmp_path / "lazy.parquet", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["baselines"]["best"] == "majority" and "no train rows" in out["baselines"]["note"]
    assert out["verdict"]["beats"] is False  # predicting the majority class beats nothing


def test_verdict_uses_recorded_baselines(cli, project) -> None:
    from yearn.baselines import load_baselines

    assert load_baselines(project, missing_ok=True) is None
    with pytest.raises(DataError, match="no baseline runs"):
        load_baselines(project)
    fitted = run_baselines(project, baselines=["majority", "logistic"])
    stored = load_baselines(project)
    assert stored.run_ids == fitted.run_ids and stored.note == ""
    pd.testing.assert_frame_equal(stored.scores, fitted.scores)
    assert load_baselines(project, metric="f1").metric == "f1"
    res = cli("baseline", "--project", project, "--model", fitted.run_ids["majority"], "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["baselines"]["run_ids"] == fitted.run_ids  # nothing refitted
    assert out["verdict"]["beats"] is False
    res = cli("baseline", "--project", project, "--model", fitted.run_ids["majority"], "--refit",
              "--no-record", "--json")  # fmt: skip
    assert res.exit_code == 0 and json.loads(res.output)["baselines"]["run_ids"] == {}
    # new data, a grown split: the stored baselines are flagged as stale
    from yearn.splits.project import split_project

    more = pd.concat([pd.read_csv(project / "phone.csv"), toy_table("q", 40, 5)])
    more.to_csv(project / "phone.csv", index=False)
    split_project(project, record=False)
    assert "another split manifest" in load_baselines(project).note


def test_recorded_metrics_name_the_error_forms(project) -> None:
    report = run_baselines(project, metric="f1", baselines=["logistic"])
    store = open_store(project)
    metrics = store.metrics(report.run_ids["logistic"])
    store.close()
    dev = metrics[metrics["split"] == "dev"].set_index("name")["value"]
    assert set(dev.index) == {"f1", "1-f1", "error"}
    assert dev["1-f1"] == pytest.approx(1 - dev["f1"])
    table = report.tables["logistic"].query("split == 'dev'")
    assert dev["error"] == pytest.approx(float((table["label"] != table["pred"]).mean()))
