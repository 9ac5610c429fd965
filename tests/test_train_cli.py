"""yearn train / lr-find / scale-up on a real project folder (CSV files, yearn.toml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from yearn.predictions import load_predictions
from yearn.store import open_store

from ._toy_project import TRAIN_TOML, toy_table

TOML = TRAIN_TOML

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    """One project with its split, drawn once; each test gets a copy."""
    from yearn.splits.project import split_project

    root = tmp_path_factory.mktemp("template")
    toy_table("w", 160, 0).to_csv(root / "web.csv", index=False)
    toy_table("p", 120, 1).to_csv(root / "phone.csv", index=False)
    (root / "yearn.toml").write_text(TOML)
    split_project(root, record=False)
    return root


@pytest.fixture
def project(_template, tmp_path):
    import shutil

    return Path(shutil.copytree(_template, tmp_path / "project"))


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_train_records_run_curves_and_predictions(cli, project):
    out = _json(cli("train", "-p", project, "--epochs", "3", "--lr", "0.05", "--json"))
    store = open_store(project)
    run = store.get_run(out["run_id"])
    assert run.status == "completed" and run.kind == "train" and run.config["lr"] == 0.05
    metrics = store.metrics(run.id)
    seconds = metrics[metrics["name"] == "epoch_seconds"]
    assert sorted(seconds["step"]) == [1, 2, 3] and (seconds["value"] > 0).all()
    for split in ("train", "train_dev", "dev"):
        rows = metrics[(metrics["split"] == split) & (metrics["name"] == "loss")]
        assert sorted(rows["step"]) == [1, 2, 3]
    preds = load_predictions(store.artifact_path(run.id, "predictions.parquet"))
    assert set(preds.splits) == {"train", "train_dev", "dev"}  # test only when asked
    assert preds.classes == ("no", "yes") and "device" in preds.metadata_columns
    dev_error = preds.split("dev").error_rate()
    assert dev_error == pytest.approx(out["history"][-1]["dev_metric"])
    assert (project / ".yearn" / "artifacts" / run.id / "tensorboard").is_dir()
    summary = json.loads(store.artifact_path(run.id, "train_summary.json").read_text())
    assert summary["epochs_run"] == 3 and summary["history"] == out["history"]
    # the preprocessor fitted on train is kept with the run (JSON + safetensors)
    from yearn.prep import TabularPreprocessor

    prep_dir = store.artifact_path(run.id, "prep/prep.json").parent
    prep = TabularPreprocessor.load(prep_dir)
    assert list(prep.feature_names_in_) == ["x1", "x2", "color"]


def test_include_test_counts_a_look(cli, project):
    out = _json(cli("train", "-p", project, "--epochs", "2", "--include-test", "--json"))
    store = open_store(project)
    preds = load_predictions(store.artifact_path(out["run_id"], "predictions.parquet"))
    assert "test" in preds.splits
    looks = store.test_looks()
    assert len(looks) == 1 and looks["run_id"].iloc[0] == out["run_id"]


def test_resume_a_run_continues_its_checkpoint(cli, project):
    first = _json(cli("train", "-p", project, "--epochs", "2", "--json"))
    second = _json(
        cli("train", "-p", project, "--epochs", "4", "--resume", first["run_id"], "--json")
    )
    straight = _json(cli("train", "-p", project, "--epochs", "4", "--json"))
    assert [h["epoch"] for h in second["history"]] == [1, 2, 3, 4]
    for a, b in zip(second["history"], straight["history"], strict=True):
        assert a == pytest.approx(b, rel=1e-6)
    store = open_store(project)
    assert store.get_run(second["run_id"]).config["resumed_from"] == first["run_id"]
    steps = store.metrics(second["run_id"])
    assert sorted(set(steps["step"])) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--optimizer", "lbfgs"], "optimizer must be one of"),
        (["--lr", "-0.5"], "learning rate (lr) must be > 0"),
        (["--batch-size", "100000"], "larger than the train split"),
        (["--model", "resnet"], "unknown model 'resnet'"),
        (["--model", "cnn"], "model 'cnn' takes (C, H, W) images"),
        (["--precision", "fp8"], "precision must be one of"),
    ],
)
def test_bad_input_exits_2_with_the_reason(cli, project, args, message):
    result = cli("train", "-p", project, "--epochs", "1", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    store = open_store(project)
    assert not [r for r in store.list_runs(kind="train") if r.status == "completed"]


def test_precision_and_streaming_from_the_shell(cli, project):

    if not torch.cuda.is_available():
        result = cli("train", "-p", project, "--epochs", "1", "--precision", "bf16")
        assert result.exit_code == 2 and "needs a CUDA device" in " ".join(result.output.split())
    result = cli("train", "-p", project, "--epochs", "2", "--stream", "--json")
    assert result.exit_code == 0, result.output
    run = open_store(project).get_run(json.loads(result.output)["run_id"])
    assert run.config["stream"] is True and run.config["precision"] == "float32"


def test_train_without_a_split_says_what_to_run(cli, tmp_path):
    toy_table("w", 40, 0).to_csv(tmp_path / "web.csv", index=False)
    toy_table("p", 40, 1).to_csv(tmp_path / "phone.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    result = cli("train", "-p", tmp_path, "--epochs", "1")
    assert result.exit_code == 2 and "yearn split" in result.output


def test_lr_find_saves_a_plot_and_suggests_a_rate(cli, project):
    out = _json(cli("lr-find", "-p", project, "--steps", "60", "--json"))
    assert 1e-7 < out["suggestion"] < 10 and len(out["lrs"]) == len(out["losses"])
    png = open_store(project).artifact_path(out["run_id"], "lr_find.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scale_up_records_each_step(cli, project):
    out = _json(cli("scale-up", "-p", project, "--epochs", "2", "--lr", "0.05", "--json"))
    assert out["human_level_error"] == 0.2  # from yearn.toml
    assert out["steps"] and all(s["run_id"] for s in out["steps"])
    last = out["steps"][-1]
    if out["reached_human_level"]:
        assert last["train_error"] <= 0.2 and "reaches the human-level error" in out["message"]
    elif out["overfit_step"] is not None:
        assert "overfits first" in out["message"]
    runs = open_store(project).list_runs(kind="train")
    assert len(runs) == len(out["steps"])


def test_train_prints_curves_and_where_predictions_are(cli, project):
    result = cli("train", "-p", project, "--epochs", "2", "--early-stopping", "5")
    assert result.exit_code == 0, result.output
    assert "predictions: .yearn/artifacts/" in result.output
    assert "epoch 2/2" in result.output  # the progress bar
    assert "error" in result.output and "loss" in result.output


def test_missing_project_folder_exits_2(cli, tmp_path):
    result = cli("train", "-p", tmp_path / "nowhere", "--epochs", "1")
    assert result.exit_code == 2 and "yearn init" in result.output


def test_store_url_puts_the_run_elsewhere(cli, project, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    out = _json(cli("train", "-p", project, "--epochs", "1", "--store-url", url, "--json"))
    from yearn.store import open_store as _open

    assert _open(project, url=url).get_run(out["run_id"]).status == "completed"
    assert not open_store(project).list_runs(kind="train")
