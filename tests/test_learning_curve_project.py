"""ONE project learning curve: ``yearn learning-curve`` and ``yearn run`` draw the same
curve for the same settings, on the trained model's kind and settings, and the next
steps agree with it on whether more data helps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.diagnose import next_steps
from yearn.diagnose._advice import MORE_DATA
from yearn.workflow import WorkflowOptions, run_project

TOML = """\
[project]
name = "curve"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "all"
path = "data.csv"
role = "target"

[metric]
optimizing = "error"
human_level_error = 0.05

[split]
dev = 0.3
test = 0.2
train_dev = 0.1
"""


def _project(root):
    rng = np.random.default_rng(3)
    n = 300
    X = rng.normal(size=(n, 3))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.5, n) > 0, "a", "b")
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "x1": X[:, 0], "x2": X[:, 1]})
    frame["x3"] = X[:, 2]
    frame["y"] = y
    frame.to_csv(root / "data.csv", index=False)
    (root / "yearn.toml").write_text(TOML, encoding="utf-8")
    return root


def test_cli_and_workflow_draw_the_same_curve(tmp_path, cli):
    root = _project(tmp_path)
    options = WorkflowOptions(
        epochs=3,
        train={"width": 16},
        baselines=("majority",),
        learning_curve_fractions=(0.3, 0.6, 1.0),
        lr_find=False,
        worksheet_size=20,
    )
    result = run_project(root, options=options, report=False)
    assert result.failed == []
    ran = json.loads((root / result["learning_curve"].outputs["json"]).read_text())
    # fitted with the trained model's kind and settings, not a stand-in
    assert ran["model"] == "mlp" and ran["trainer"] == "yearn"
    assert ran["run_id"] == result["train"].outputs["run_id"]
    assert ran["fit_settings"]["epochs"] == 3 and ran["fit_settings"]["width"] == 16
    out = cli("learning-curve", "-p", root, "--fractions", "0.3,0.6,1.0", "--json")
    assert out.exit_code == 0, out.output
    by_cli = json.loads(out.stdout[out.stdout.index("{") :])
    for key in ("sizes", "train_errors", "dev_errors", "verdict", "fit_settings", "run_id"):
        assert by_cli[key] == ran[key], key
    # another model on request is another curve, and says so
    other = cli("learning-curve", "-p", root, "--fractions", "0.3,0.6,1.0", "--model",
                "linear", "--json")  # fmt: skip
    assert other.exit_code == 0, other.output
    assert json.loads(other.stdout[other.stdout.index("{") :])["model"] == "linear"


class _Diag:
    """A stand-in diagnosis whose principal gap is variance."""

    principal = ("variance",)

    def __init__(self):
        from yearn.diagnose import NEXT_STEPS

        self.recommendations = {"variance": NEXT_STEPS["variance"]}


@pytest.mark.parametrize("helps", [True, False])
def test_next_steps_follow_the_curve(helps):
    curve = {"more_data_helps": helps, "verdict": "v: doubling the data is expected to ..."}
    steps = next_steps(_Diag(), curve=curve)
    says_more_data = any(s.startswith(MORE_DATA) for s in steps)
    assert says_more_data is helps
    if not helps:
        assert "unlikely to help" in steps[0]
    assert next_steps(_Diag())[0].startswith(MORE_DATA)  # no curve: the gap's own advice


@pytest.mark.slow
def test_digits_demo_next_steps_agree_with_the_learning_curve(tmp_path):
    from yearn.demo import run_demo
    from yearn.report import build_report

    result = run_demo(tmp_path / "digits")
    assert not result.failed, [(s.name, s.note) for s in result.failed]
    report = build_report(tmp_path / "digits")
    curve = json.loads((tmp_path / "digits" / result["learning_curve"].outputs["json"]).read_text())
    assert curve["model"] == "cnn"  # the diagnosed model, not a linear stand-in
    says_more_data = any(s.startswith(MORE_DATA) for s in report.next_steps)
    assert says_more_data is bool(curve["more_data_helps"])
    assert tuple(report.next_steps) == tuple(result.next_steps)


def test_report_reports_the_best_run_or_the_one_named(tmp_path, cli):
    from yearn.report import build_report
    from yearn.splits import split_project
    from yearn.train import train_project

    root = _project(tmp_path)
    split_project(root)
    weak = train_project(root, "linear", epochs=1, lr=1e-5, num_threads=1).run_id
    strong = train_project(root, "mlp", epochs=6, lr=0.01, num_threads=1).run_id
    report = build_report(root)
    overview = str(report["project"].parts[0])
    assert strong in overview and "lowest dev error" in overview
    named = build_report(root, run=weak)
    assert weak in str(named["project"].parts[0]) and "chosen with --run" in str(
        named["project"].parts[0]
    )
    assert weak in (named["diagnosis"].caption or "")
    bad = cli("report", "-p", root, "--run", "nosuchrun")
    assert bad.exit_code == 2 and "yearn runs" in bad.output


def test_standalone_steps_appear_in_the_report(tmp_path, cli):
    from yearn.report import build_report

    root = _project(tmp_path)
    assert cli("split", "-p", root).exit_code == 0
    assert cli("train", "-p", root, "--epochs", "2", "--json").exit_code == 0
    before = build_report(root)
    assert not before["profile"].present and not before["learning-curve"].present
    assert cli("profile", "-p", root, "--json").exit_code == 0
    lc = cli("learning-curve", "-p", root, "--fractions", "0.3,0.6,1.0", "--json")
    assert lc.exit_code == 0, lc.output
    after = build_report(root)
    assert after["profile"].present and after["learning-curve"].present
    assert after["labels"].present  # recomputed from the model run's predictions


def _errors_of(root, run_id):
    from yearn.paths import PREDICTIONS_ARTIFACT
    from yearn.store import open_store

    store = open_store(root)
    try:
        table = pd.read_parquet(store.artifact_path(run_id, PREDICTIONS_ARTIFACT))
    finally:
        store.close()
    return [
        float((table.loc[table["split"] == s, "label"] != table.loc[table["split"] == s, "pred"])
              .mean())
        for s in ("train", "dev")
    ]  # fmt: skip


@pytest.mark.parametrize("early_stopping", [None, 2])
def test_full_size_point_is_the_trained_run_unless_it_chose_on_dev(tmp_path, early_stopping):
    root = _project(tmp_path)
    train = {"width": 16} | ({"early_stopping": early_stopping} if early_stopping else {})
    options = WorkflowOptions(
        epochs=3,
        train=train,
        baselines=("majority",),
        learning_curve_fractions=(0.3, 0.6, 1.0),
        lr_find=False,
        worksheet_size=20,
    )
    result = run_project(root, options=options, report=False)
    assert result.failed == []
    run_id = result["train"].outputs["run_id"]
    curve = json.loads((root / result["learning_curve"].outputs["json"]).read_text())
    own = _errors_of(root, run_id)
    point = [curve["train_errors"][-1], curve["dev_errors"][-1]]
    if early_stopping is None:  # the run's own model: its errors, not a refit's
        assert point == pytest.approx(own)
        assert f"the full-size point is run {run_id}'s own model" in curve["how"]
    else:  # its epoch was chosen on dev: that point would flatter dev, so it is refitted
        assert "refitted: the run stopped early on dev" in curve["how"]
