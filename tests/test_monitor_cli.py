"""`yearn monitor` / `yearn monitor audit` end to end on a small project and request log:
no drift → ok, covariate shift → input drift (estimate still covers the truth), flipped
labels in a region → concept drift; exit code 3, --json, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.erroranalysis import load_worksheet
from yearn.monitor import with_predictions
from yearn.project import Project

TOML = """
[project]
name = "mon"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "app"
path = "app.csv"
role = "target"
"""


def _rows(rng, n, prefix, shift=0.0):
    x1 = rng.normal(size=n) + shift
    x2 = rng.normal(size=n)
    color = rng.choice(["red", "blue", "green"], n, p=[0.5, 0.3, 0.2])
    logit = 2.0 * x1 + x2 + np.where(color == "red", 0.5, -0.5)
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    ids = [f"{prefix}{i}" for i in range(n)]
    note = rng.choice(["fast delivery", "late again", "ok", "gift wrap please"], n)
    return pd.DataFrame({"id": ids, "x1": x1, "x2": x2, "color": color, "note": note, "y": y})


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from yearn.splits import split_project
    from yearn.train import train_project

    root = tmp_path_factory.mktemp("mon")
    rng = np.random.default_rng(0)
    (root / "yearn.toml").write_text(TOML)
    _rows(rng, 1500, "w").to_csv(root / "web.csv", index=False)
    _rows(rng, 1500, "a").to_csv(root / "app.csv", index=False)
    split_project(root)
    train_project(root, "linear", epochs=15, lr=0.05, num_threads=1)
    proj = Project(root)
    run = proj.latest_run_with()
    days = []
    for day, shift in enumerate([0.0, 1.0, 0.0]):
        part = _rows(rng, 1500, f"r{day}-", shift)
        if day == 2:  # concept drift: the answer flips where x2 > 0.5, inputs unchanged
            flip = part["x2"] > 0.5
            part.loc[flip, "y"] = np.where(part.loc[flip, "y"] == "yes", "no", "yes")
        part["time"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)
        part["time"] += pd.to_timedelta(np.arange(len(part)), unit="s")
        days.append(part)
    log = pd.concat(days, ignore_index=True).rename(columns={"id": "request_id"})
    labels = log[["request_id", "y"]].sample(1200, random_state=0)
    log = with_predictions(proj, run, log.drop(columns="y"))
    proj.paths.request_log.mkdir(parents=True)
    log.to_parquet(proj.paths.request_log / "segment-0001.parquet", index=False)
    labels.to_csv(root / "labels.csv", index=False)
    return root


def test_monitor_names_input_drift_and_concept_drift(cli, project):
    out = cli("monitor", "--project", project, "--labels", project / "labels.csv", "--json")
    assert out.exit_code == 3, out.output
    result = json.loads(out.output)
    verdicts = [w["verdict"] for w in result["windows"]]
    assert verdicts == ["ok", "input drift", "concept drift"]
    day2 = result["windows"][1]
    assert "x1" in day2["drifted_columns"]
    assert day2["domain"]["drifted"] and day2["domain"]["drivers"][0]["column"] == "x1"
    est, lab = day2["estimate"], day2["labelled"]
    assert est["low"] <= lab["value"] <= est["high"]  # shift without concept drift: covered
    # the project's metric (error) first, then F1 / precision / recall, each with an interval
    assert [m["metric"] for m in day2["metrics"]] == ["error", "f1", "precision", "recall"]
    assert all(m["low"] <= m["value"] <= m["high"] for m in day2["metrics"])
    assert abs(day2["metrics"][0]["value"] - (1 - est["value"])) < 0.03  # two routes agree
    assert set(result["settings"]["dev_metrics"]) == {"error", "f1", "precision", "recall"}
    assert result["windows"][2]["drifted_columns"] == []
    assert (
        "request_id" in result["excluded"] and "time" not in result["windows"][0]["drifted_columns"]
    )
    assert Project(project).paths.monitor.joinpath("latest.json").is_file()


def test_monitor_table_output_and_no_drift_exit_zero(cli, project, tmp_path):
    log = pd.read_parquet(Project(project).paths.request_log / "segment-0001.parquet")
    day1 = tmp_path / "day1.csv"
    log.iloc[:1500].to_csv(day1, index=False)
    out = cli("monitor", "--project", project, "--log", day1)
    assert out.exit_code == 0, out.output
    assert "ok" in out.output and "not monitored: request_id" in out.output
    assert "estimated without labels: error" in out.output and "dev (labelled): error" in out.output


def test_audit_writes_a_worksheet_the_dashboard_opens(cli, project):
    out = cli("monitor", "--project", project, "audit", "--n", "40", "--json")
    assert out.exit_code == 3, out.output
    info = json.loads(out.output)
    sheet = load_worksheet(info["worksheet"])
    assert len(sheet) == 40
    reasons = pd.Series([t[0] for t in sheet.tag_lists("suggested_tags")]).value_counts()
    assert set(reasons.index) == {"audit-uncertain", "audit-drifted", "audit-random"}
    with Project(project).store() as store:
        assert store.get_run(info["audit_run"]).kind == "audit"
    assert info["worksheet"].endswith(f"{info['audit_run']}.csv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "soon"], "window 'soon' not understood"),
        (["--log", "missing.csv"], "missing.csv: file not found"),
        (["--labels", "nope.csv"], "nope.csv: file not found"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, project, args, message):
    out = cli("monitor", "--project", project, *args)
    assert out.exit_code == 2
    assert message in out.output


def test_report_section_and_dashboard_page_show_monitoring(cli, project):
    from fastapi.testclient import TestClient

    from yearn.report import build_report
    from yearn.ui import create_app

    assert cli("monitor", "--project", project, "--window", "1d").exit_code == 3
    report = build_report(project)
    section = next(s for s in report.sections if s.id == "monitoring")
    assert section.present and "input drift" in section.body and "concept" not in section.body
    client = TestClient(create_app(project), base_url="http://localhost")
    page = client.get("/monitoring")
    assert page.status_code == 200 and "input drift" in page.text and "Monitoring" in page.text


def test_report_without_monitoring_says_what_to_run(tmp_path):
    from yearn.report._monitoring import monitoring

    class View:
        root = tmp_path

    section = monitoring(View())
    assert not section.present and "yearn monitor" in section.note


def test_retrain_exports_the_promoted_model_and_records_lineage(cli, project):
    from yearn.ship import load_exported

    out = cli("retrain", "--project", project, "--export", "--json")
    assert out.exit_code == 0, out.output
    decision = json.loads(out.output[out.output.index("{") :])
    assert decision["promoted"]  # same settings, same data: not significantly worse
    with Project(project).store() as store:
        current = store.deployments()[0]
    assert current.run_id == decision["new_run"] and current.parent_run_id
    assert load_exported(current.export_path).metadata["run_id"] == decision["new_run"]
    assert current.data_fingerprint == Project(project).manifest().sha256


def test_text_inputs_are_said_to_be_watched_through_the_predictions_only(cli, tmp_path):
    from yearn.splits import split_project
    from yearn.train import train_project

    root = tmp_path / "text"
    root.mkdir()
    toml = TOML.replace('id_column = "id"', 'id_column = "id"\ntext_columns = ["note"]')
    (root / "yearn.toml").write_text(toml)
    rng = np.random.default_rng(1)
    for name in ("web", "app"):
        part = _rows(rng, 300, name[0])
        part["note"] = rng.choice(["fast delivery", "late again", "gift wrap"], len(part))
        part.to_csv(root / f"{name}.csv", index=False)
    split_project(root)
    train_project(root, "linear", epochs=3, lr=0.05, num_threads=1)
    proj = Project(root)
    log = _rows(rng, 400, "r").drop(columns="y")
    log["note"] = "late again"
    log["time"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(np.arange(400), "s")
    log = with_predictions(proj, proj.latest_run_with(), log)
    log.to_csv(root / "log.csv", index=False)
    out = cli("monitor", "--project", root, "--log", root / "log.csv", "--json")
    result = json.loads(out.output)
    assert result["excluded"]["note"].startswith("text input: monitored only through the model")
    assert any("monitored only through the predictions" in n for n in result["notes"])
    html = Project(root).paths.monitor.joinpath("latest.html").read_text()
    assert "Not monitored (and why)" in html and "text input: monitored only" in html
