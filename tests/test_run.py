"""``yearn run`` / ``run_project``: the whole workflow on a small project, step skipping,
failures, and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests._workflow_project import FAST, make_project
from yearn.errors import ConfigError
from yearn.workflow import STEPS, WorkflowOptions, run_project


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """A project the whole workflow ran on once (copy it before changing it)."""
    root = make_project(tmp_path_factory.mktemp("run") / "tiny")
    result = run_project(root, options=FAST)
    return root, result


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    # artefact paths in the store are relative to the project: a copy is a valid project
    return dst


def test_every_step_runs_and_report_written(ran):
    root, result = ran
    assert [s.name for s in result.steps] == [s.name for s in STEPS]
    assert {s.status for s in result.steps} == {"ran"}, [
        (s.name, s.note) for s in result.steps if s.status != "ran"
    ]
    assert result.report == root / "report.html" and result.report.is_file()
    assert 1 <= len(result.next_steps) <= 3
    assert result.verdict
    assert (root / ".yearn" / "workflow.json").is_file()
    sheet = root / result["errors"].outputs["worksheet"]
    assert sheet.is_file() and sheet.parent.name == "worksheets"
    assert result["errors"].outputs["rules_tested"]  # blur ranges tested for enrichment
    data = result.to_dict()
    assert json.loads(json.dumps(data))["report"] == str(result.report)
    assert "<table" in result._repr_html_()


def test_second_run_skips_every_step(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    again = run_project(root)  # no options: those of the last run, recorded in the project
    assert {s.name: s.status for s in again.steps} == {s.name: "skipped" for s in STEPS}
    assert again.next_steps == ran[1].next_steps
    assert again.report.is_file()


def test_config_change_reruns_only_affected_steps(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    toml = root / "yearn.toml"
    toml.write_text(toml.read_text().replace("0.02", "0.05"), encoding="utf-8")
    again = run_project(root, report=False)
    status = {s.name: s.status for s in again.steps}
    # the human-level error is read by the diagnosis and the learning curve only
    assert status["diagnose"] == status["learning_curve"] == "ran"
    ran_steps = {"diagnose", "learning_curve"}
    assert all(v == "skipped" for k, v in status.items() if k not in ran_steps), status
    assert again.report is None


def test_metric_change_reruns_training(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    toml = root / "yearn.toml"
    toml.write_text(toml.read_text().replace('optimizing = "error"', 'optimizing = "f1"'))
    status = {s.name: s.status for s in run_project(root, report=False).steps}
    assert status["split"] == status["profile"] == status["lr_find"] == "skipped"
    assert status["baselines"] == status["train"] == status["slices"] == "ran"


def test_option_change_reruns_train_and_downstream(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    opts = WorkflowOptions(**{**FAST.__dict__, "epochs": 2})
    again = run_project(root, options=opts, report=False)
    status = {s.name: s.status for s in again.steps}
    assert status["train"] == "ran" and status["diagnose"] == "ran"
    # the learning curve is drawn on the trained model's settings: it follows the model
    assert status["learning_curve"] == "ran"
    assert status["split"] == status["baselines"] == "skipped"


def test_data_change_reruns_data_steps(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    frame = pd.read_csv(root / "web.csv")
    frame.loc[0, "a"] = 3.0
    frame.to_csv(root / "web.csv", index=False)
    again = run_project(root, options=FAST, report=False)
    status = {s.name: s.status for s in again.steps}
    assert status["split"] == status["profile"] == status["train"] == "ran"


def test_deleted_output_reruns_its_step(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    (root / ran[1]["slices"].outputs["json"]).unlink()
    again = run_project(root, options=FAST, report=False)
    status = {s.name: s.status for s in again.steps}
    assert status["slices"] == "ran" and status["train"] == "skipped"


def test_corrupt_state_file_runs_everything_again(ran, tmp_path):
    root = _copy(ran[0], tmp_path / "p")
    (root / ".yearn" / "workflow.json").write_text("{not json", encoding="utf-8")
    again = run_project(
        root, options=WorkflowOptions(**{**FAST.__dict__, "learning_curve": False}), report=False
    )
    assert again["split"].status == "ran"
    assert again["learning_curve"].status == "off"


def test_failed_step_is_reported_and_dependants_skipped(tmp_path):
    root = make_project(tmp_path / "p")
    opts = WorkflowOptions(
        **{**FAST.__dict__, "model": "no-such-model", "learning_curve": False, "lr_find": False}
    )
    result = run_project(root, options=opts)
    status = {s.name: s.status for s in result.steps}
    assert status["split"] == "ran" and status["baselines"] == "ran"
    assert status["train"] == "failed" and "no-such-model" in result["train"].note
    assert status["diagnose"] == "not run" and result["diagnose"].note == "not run (needs train)"
    assert result.report.is_file()  # the report still shows what exists
    assert result.next_steps == []


def test_no_project_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        run_project(tmp_path)


# -- CLI ----------------------------------------------------------------------------------


def test_cli_run_prints_report_and_next_steps(ran, tmp_path, cli):
    root = _copy(ran[0], tmp_path / "p")
    result = cli(
        "run", "--project", root, "--epochs", "3", "--baseline", "majority",
        "--baseline", "logistic", "--no-learning-curve", "--no-lr-find",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"report: {root / 'report.html'}" in result.output.replace("\n", "")
    assert "next steps:" in result.output and "1. " in result.output


def test_cli_run_json_and_second_run_skips(ran, tmp_path, cli):
    root = _copy(ran[0], tmp_path / "p")
    args = ["run", "--project", root, "--epochs", "3", "--json", "--no-learning-curve"]
    args += ["--baseline", "majority", "--baseline", "logistic", "--no-lr-find"]
    first = cli(*args)
    assert first.exit_code == 0, first.output
    second = json.loads(cli("run", "--project", root, "--json").output)  # same options
    assert {s["status"] for s in second["steps"]} == {"skipped", "off"}
    third = json.loads(cli("run", "--project", root, "--json", "--epochs", "2").output)
    assert {s["name"]: s["status"] for s in third["steps"]}["train"] == "ran"
    assert second["report"].endswith("report.html")
    fourth = json.loads(cli("run", "--project", root, "--json", "--batch-size", "8").output)
    assert {s["name"]: s["status"] for s in fourth["steps"]}["train"] == "ran"
    from yearn.store import open_store

    store = open_store(root)
    try:
        assert next(r.config["batch_size"] for r in store.list_runs() if r.kind == "train") == 8
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nowhere"], "no such project folder"),
        (["--epochs", "0"], "--epochs"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_cli_run_bad_input_exit_2(tmp_path, cli, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("run", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_run_without_project_file(tmp_path, cli):
    result = cli("run", "--project", tmp_path)
    assert result.exit_code == 2
    assert "yearn.toml" in result.output


def test_next_steps_cover_every_principal_gap():
    from yearn.diagnose import diagnose, next_steps

    # the course's example: bias and variance of similar size
    # (on 2,000 train-dev rows: 365 cannot tell a 3-point variance from noise)
    both = diagnose(human="1%", train="5%", train_dev="8%", dev="8.5%", n_train=7000,
                    n_train_dev=2000, n_dev=2000)  # fmt: skip
    assert set(both.principal) == {"avoidable_bias", "variance"}
    steps = next_steps(both)
    assert steps[0] == both.recommendations[both.principal[0]][0]
    assert steps[1] == both.recommendations[both.principal[1]][0]
    assert len(steps) == 3
    one = diagnose(human="1%", train="1.5%", train_dev="9%", dev="9.5%")
    assert next_steps(one) == list(one.recommendations["variance"][:3])


def test_damaged_artefact_reruns_its_step(ran, tmp_path):
    from yearn.store import open_store

    root = _copy(ran[0], tmp_path / "p")
    store = open_store(root)
    store.artifact_path(ran[1]["train"].outputs["run_id"], "predictions.parquet").write_bytes(b"x")
    store.close()
    status = {s.name: s.status for s in run_project(root, report=False).steps}
    assert status["train"] == status["diagnose"] == status["labels"] == "ran"
    assert status["split"] == status["baselines"] == "skipped"


def test_regression_project_turns_classification_steps_off(tmp_path):
    root = make_project(tmp_path / "p")
    for name in ("web.csv", "phone.csv"):
        frame = pd.read_csv(root / name)
        frame["y"] = frame["a"] * 2.0 + frame["blur"]
        frame.to_csv(root / name, index=False)
    toml = root / "yearn.toml"
    text = toml.read_text().replace('task = "binary"', 'task = "regression"')
    toml.write_text(text.replace('optimizing = "error"', 'optimizing = "rmse"').replace(
        "human_level_error = 0.02", "human_level_error = 0.1"))  # fmt: skip
    opts = WorkflowOptions(**{**FAST.__dict__, "baselines": ("mean", "ridge")})
    result = run_project(root, options=opts)
    status = {s.name: s.status for s in result.steps}
    assert status["errors"] == status["labels"] == "off"
    assert "single-label classification" in result["labels"].note
    # slices rank by the project's rmse (issue 13 §2): the slices JSON names it
    assert status["slices"] == "ran", result["slices"].note
    sliced = json.loads((root / result["slices"].outputs["json"]).read_text())
    assert sliced["metric"] == "rmse" and sliced["slices"]
    assert status["train"] == status["diagnose"] == "ran", [(s.name, s.note) for s in result.steps]
    assert not result.failed, [(s.name, s.note) for s in result.failed]
    assert result.report.is_file()
