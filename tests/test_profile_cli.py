"""``yearn profile`` end to end on project folders written in tmp_path."""

from __future__ import annotations

import json

import pytest

from tests._profile_data import make_table
from yearn.profile import profile_project

TOML = """
[project]
name = "planted"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.parquet"
role = "target"
"""


@pytest.fixture
def project(tmp_path):
    frame = make_table(plant="leak").drop(columns=["split", "source"])
    frame[frame["role"] == "train"].drop(columns="role").to_csv(tmp_path / "web.csv", index=False)
    frame[frame["role"] == "target"].drop(columns="role").to_parquet(
        tmp_path / "phone.parquet", index=False
    )
    (tmp_path / "yearn.toml").write_text(TOML)
    return tmp_path


def test_cli_table_names_the_leak(cli, project):
    result = cli("profile", "--project", project, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "leakage" in result.output and "leak" in result.output
    text = " ".join(result.output.split())
    assert "by source: phone 606, web 594" in text


def test_cli_json_html_and_figures(cli, project, tmp_path):
    out = tmp_path / "report.html"
    figs = tmp_path / "figs"
    result = cli(
        "profile",
        "--project",
        project,
        "--json",
        "--html",
        out,
        "--figures",
        figs,
        "--check",
        "summary",
        "--check",
        "leakage",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["name"] for c in data["checks"]] == ["summary", "leakage"]
    assert data["checks"][1]["summary"]["leaks"] == ["leak"]
    assert data["groups"] == {"phone": 606, "web": 594}
    assert out.read_text().startswith("<!doctype html>")
    assert (figs / "summary" / "histograms.png").read_bytes().startswith(b"\x89PNG")


def test_cli_bad_input_exits_2(cli, tmp_path, project):
    missing = cli("profile", "--project", tmp_path / "nowhere")
    assert missing.exit_code == 2
    assert "no such project folder" in " ".join(missing.output.split())
    unknown = cli("profile", "--project", project, "--check", "speling")
    assert unknown.exit_code == 2
    assert "'speling' is not a profile check" in " ".join(unknown.output.split())
    (project / "web.csv").write_text("id,x1\n1,2\n")  # label column gone
    broken = cli("profile", "--project", project)
    assert broken.exit_code == 2, broken.output
    assert "web.csv" in broken.output


def test_demo_project_per_split(tmp_path):
    from yearn.demo import make_tabular_demo
    from yearn.splits import split_project

    root = make_tabular_demo(tmp_path / "demo")
    split_project(root, record=False)
    result = profile_project(root)
    assert result.group_by == "split"
    assert "pathology_score" in result["leakage"].summary["leaks"]
    assert "record_number" in result["leakage"].summary["id_like"]
    assert result["shift"].severity == "warning"
    assert result["geo"].summary["lat_column"] == "latitude"
