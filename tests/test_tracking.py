"""MLflow: [tracking] mlflow logs a train run while it trains; `yearn runs export --mlflow`
copies stored runs. Read back with MLflow's own search_runs / metric history."""

from __future__ import annotations

import json

import pytest

from ._tune_project import make_tune_project


def test_mlflow_logging_while_training_and_export(cli, tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    root = make_tune_project(tmp_path / "p", n=120)
    with (root / "yearn.toml").open("a") as fh:
        fh.write('\n[tracking]\nmlflow = "sqlite:///mlflow.db"\n')
    result = cli("train", "-p", str(root), "--model", "linear", "--epochs", "2", "--json")
    assert result.exit_code == 0, result.output
    yearn_run = json.loads(result.output)["run_id"]
    uri = f"sqlite:///{root / 'mlflow.db'}"  # relative to the project folder
    mlflow.set_tracking_uri(uri)
    live = mlflow.search_runs(experiment_names=["tiny"])
    assert len(live) == 1
    row = live.iloc[0]
    assert row["status"] == "FINISHED" and row["tags.yearn.run_id"] == yearn_run
    assert row["params.epochs"] == "2" and row["params.optimizer"] == "adam"
    client = mlflow.tracking.MlflowClient(uri)
    for key in ("train_loss", "dev_loss", "dev_error", "train_dev_error"):
        assert [m.step for m in client.get_metric_history(row["run_id"], key)] == [1, 2]
    names = {a.path for a in client.list_artifacts(row["run_id"])}
    assert {"predictions.parquet", "model.safetensors", "tensorboard"} <= names

    # export the store's runs into another experiment of the same database, once
    out = cli("runs", "export", "-p", str(root), "--mlflow", uri, "--json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["status"] for r in rows] == ["exported"] and rows[0]["yearn_run"] == yearn_run
    exported = mlflow.search_runs(experiment_names=["yearn"]).iloc[0]
    from yearn.project import Project

    store = Project(root).store()
    metrics = store.metrics(yearn_run)
    store.close()
    dev = metrics[(metrics["split"] == "dev") & (metrics["name"] == "error")]
    last = dev.sort_values("step")["value"].iloc[-1]
    assert exported["metrics.dev_error"] == pytest.approx(last)
    assert exported["params.model"] == "linear"
    history = client.get_metric_history(exported["run_id"], "dev_loss")
    assert [m.step for m in history] == [1, 2]
    again = cli("runs", "export", "-p", str(root), "--mlflow", uri, "--json")
    assert [r["status"] for r in json.loads(again.output)] == ["already exported"]
    listed = cli("runs", "-p", str(root), "--json")  # the listing still works
    assert listed.exit_code == 0 and yearn_run in listed.output

    # tune trials log to the study's experiment while they train
    from yearn.tune import tune

    study = tune(root, "linear", trials=1, study="m")
    trial_runs = mlflow.search_runs(experiment_names=["m"])
    assert list(trial_runs["tags.yearn.run_id"]) == [study.trials[0]["run_id"]]
    assert trial_runs.iloc[0]["params.epochs"] == "2"  # [tune] epochs of the project
