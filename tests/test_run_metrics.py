"""One metric everywhere: a project optimising f1, auc (binary), map (multilabel) or rmse
(regression) runs ``yearn run`` with no failed step, and every report section that shows
a score states the project's metric (in its error form)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.config import error_name, load_config
from yearn.report import build_report
from yearn.workflow import WorkflowOptions, run_project

TOML = """\
[project]
name = "m"
task = "{task}"
{labels}
id_column = "id"

[[sources]]
name = "all"
path = "data.csv"
role = "target"

[metric]
optimizing = "{metric}"

[split]
dev = 0.3
test = 0.2
train_dev = 0.1
"""

#: report sections that show no score of a model (the data, the range test)
_NO_SCORE = {"profile", "lr-test"}


def _project(root, task: str, metric: str):
    rng = np.random.default_rng(0)
    n = 260
    X = rng.normal(size=(n, 3))
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "a": X[:, 0], "b": X[:, 1]})
    frame["c"] = X[:, 2]
    s = X[:, 0] - X[:, 1] + rng.normal(0, 0.7, n)
    if task == "binary":
        frame["y"] = np.where(s > 0.8, "yes", "no")  # about a quarter positive
        labels = 'label_column = "y"'
    elif task == "regression":
        frame["y"] = 3 * s + 10
        labels = 'label_column = "y"'
    else:
        frame["t1"] = (s > 0).astype(float)
        frame["t2"] = (X[:, 2] + rng.normal(0, 0.5, n) > 0).astype(float)
        frame.loc[rng.random(n) < 0.1, "t2"] = np.nan  # unknown labels
        labels = 'label_columns = ["t1", "t2"]'
    frame.to_csv(root / "data.csv", index=False)
    text = TOML.format(task=task, labels=labels, metric=metric)
    (root / "yearn.toml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("task", "metric", "baselines"),
    [
        ("binary", "f1", ("majority", "logistic")),
        ("binary", "auc", ("majority", "logistic")),
        ("multilabel", "map", ("prevalence", "logistic")),
        ("regression", "rmse", ("mean", "ridge")),
    ],
)
def test_every_metric_runs_and_is_named(tmp_path, task, metric, baselines):
    root = _project(tmp_path, task, metric)
    options = WorkflowOptions(
        epochs=2,
        baselines=baselines,
        worksheet_size=20,
        learning_curve_fractions=(0.3, 0.6, 1.0),
        lr_find=False,
    )
    result = run_project(root, options=options)
    assert result.failed == [], [(s.name, s.note) for s in result.failed]
    assert result["learning_curve"].status == "ran"
    assert result["diagnose"].status == "ran"
    # null case of the imbalance advice: no severe imbalance here, no class weights advised
    assert not any("--class-weight" in s for s in result.next_steps)
    name = error_name(load_config(root).metric.optimizing)
    assert name == {"f1": "1-f1", "auc": "1-roc_auc", "map": "1-map", "rmse": "rmse"}[metric]
    import json

    diag = json.loads((root / result["diagnose"].outputs["json"]).read_text())
    assert diag["metric"] == name
    assert diag["training_health"]["monitored"] == name  # health reads the same curve
    report = build_report(root)
    shown = [s for s in report.sections if s.present and s.id not in _NO_SCORE]
    assert {"project", "baselines", "curves", "diagnosis", "learning-curve"} <= {
        s.id for s in shown
    }
    for s in shown:
        text = str(s.body or "") + "".join(map(str, s.parts)) + (s.caption or "")
        assert name in text, f"section {s.id} does not name {name}"
    # the baselines are ranked in the project's metric, never in plain error beside it
    baselines_text = str(report["baselines"].body)
    if name != "error":
        assert ">error<" not in baselines_text


def test_init_multilabel_project_runs(tmp_path, cli):
    """`yearn init --task multilabel` writes optimizing = "map"; `yearn run` completes."""
    _project(tmp_path, "multilabel", "map")
    (tmp_path / "yearn.toml").unlink()
    out = cli(
        "init", tmp_path, "--task", "multilabel", "--label", "t1,t2", "--id-column", "id",
        "--source", "all=data.csv:target", "--no-interactive",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert load_config(tmp_path).metric.optimizing == "map"
    options = WorkflowOptions(
        epochs=2, baselines=("prevalence",), lr_find=False, learning_curve_fractions=(0.3, 0.6, 1.0)
    )
    result = run_project(tmp_path, options=options, report=False)
    assert result.failed == [], [(s.name, s.note) for s in result.failed]
