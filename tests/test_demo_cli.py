"""`yearn demo` through the CLI: project created, summary printed, exit codes."""

from __future__ import annotations

import json

import pandas as pd

from yearn.config import load_config


def test_demo_creates_the_digits_project_and_prints_its_summary(cli, tmp_path):
    project = tmp_path / "digits"
    result = cli("demo", "--no-run", "--dir", project)
    assert result.exit_code == 0, result.output
    cfg = load_config(project)
    assert [(s.name, s.role) for s in cfg.sources] == [("web", "train"), ("phone", "target")]
    for source in cfg.sources:
        rows = len(pd.read_csv(source.path))
        assert str(rows) in result.output
    for needle in ("web", "phone", "wrong", "3.0%", "blur", "rotation", "yearn.toml"):
        assert needle in result.output, needle


def test_demo_json_summary(cli, tmp_path):
    result = cli("demo", "--no-run", "--dir", tmp_path / "d", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["kind"] == "digits" and summary["task"] == "multiclass"
    by = {s["name"]: s for s in summary["sources"]}
    for name in ("web", "phone"):
        frame = pd.read_csv(tmp_path / "d" / "data" / name / "manifest.csv")
        assert by[name]["rows"] == len(frame)
        assert by[name]["groups"] == frame["base_id"].nunique()
        assert abs(by[name]["mislabeled_share"] - 0.03) < 0.002
    assert by["phone"]["quality"]["contrast"] < by["web"]["quality"]["contrast"]
    assert by["phone"]["ranges"]["blur"][1] > by["web"]["ranges"]["blur"][1]


def test_demo_refuses_a_non_empty_folder_unless_forced(cli, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = cli("demo", "--no-run", "--tabular", "--dir", tmp_path)
    assert result.exit_code == 2
    assert "not empty" in result.output and "--force" in result.output
    assert not (tmp_path / "yearn.toml").exists()
    result = cli("demo", "--no-run", "--tabular", "--dir", tmp_path, "--force")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_demo_tabular_default_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("demo", "--no-run", "--tabular", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["kind"] == "tabular" and summary["task"] == "binary"
    assert summary["notes"]["leaky_column"] == "pathology_score"
    assert sum(s["rows"] for s in summary["sources"]) == 20_000
    assert load_config(tmp_path / "yearn-tabular-demo").label_column == "diagnosis"


def test_demo_tabular_table_output(cli, tmp_path):
    result = cli("demo", "--no-run", "--tabular", "--dir", tmp_path / "t")
    assert result.exit_code == 0, result.output
    for needle in ("registry", "clinic", "pathology_score", "record_number", "latitude"):
        assert needle in result.output, needle


def test_demo_bad_random_state_exits_2(cli, tmp_path):
    result = cli("demo", "--no-run", "--tabular", "--dir", tmp_path / "x", "--random-state", "-1")
    assert result.exit_code == 2
    assert "random_state" in result.output
    result = cli("demo", "--no-run", "--dir", tmp_path / "y", "--random-state", "many")
    assert result.exit_code == 2
