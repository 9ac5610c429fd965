"""``yearn demo`` runs the whole workflow on the embedded demo; ``run_demo`` from Python."""

from __future__ import annotations

import json
import time

import pytest

from tests._workflow_project import SECTION_IDS


def test_demo_tabular_runs_the_workflow(cli, tmp_path):
    project = tmp_path / "tab"
    result = cli("demo", "--tabular", "--dir", project)
    assert result.exit_code == 0, result.output
    out = result.output.replace("\n", "")
    assert f"report: {project.resolve() / 'report.html'}" in out
    assert "next steps:" in result.output and "10 steps ran" in result.output
    assert (project / "report.html").is_file()
    # a second `yearn run` on it finds every step current
    again = cli("run", "--project", project, "--json", "--epochs", "10")
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert {s["name"]: s["status"] for s in data["steps"]}["train"] == "skipped"


def test_demo_no_run_only_builds_the_data(cli, tmp_path):
    project = tmp_path / "tab"
    result = cli("demo", "--tabular", "--dir", project, "--no-run", "--json")
    assert result.exit_code == 0, result.output
    assert "workflow" not in json.loads(result.output)
    assert (project / "yearn.toml").is_file() and not (project / "report.html").exists()


def test_a_section_that_fails_to_draw_becomes_a_note(cli, tmp_path, monkeypatch):
    project = tmp_path / "tab"
    assert cli("demo", "--tabular", "--dir", project, "--json").exit_code == 0
    import yearn.report._analyses as analyses

    def broken(view):
        raise RuntimeError("boom")

    monkeypatch.setattr(analyses, "slices", broken)
    from yearn.report import build_report

    report = build_report(project)
    assert not report["slices"].present
    assert "a bug in yearn" in report["slices"].note and "boom" in report["slices"].note
    assert report["diagnosis"].present or report["diagnosis"].note


@pytest.mark.slow
def test_full_digits_demo(tmp_path):
    """The whole demo as `yearn demo` runs it; every section of the report is there."""
    from yearn.demo import run_demo
    from yearn.report import build_report

    started = time.perf_counter()
    result = run_demo(tmp_path / "digits")
    seconds = time.perf_counter() - started
    assert not result.failed, [(s.name, s.note) for s in result.failed]
    assert len(result.next_steps) == 3
    # the diagnosis counts the ~300 dev base images (the project's group column), not the
    # ~1,200 renders; the web → phone mismatch the split plants (a tenth of phone in train)
    # is named only when its simultaneous interval lies above half the tolerance
    diag = json.loads((tmp_path / "digits" / result["diagnose"].outputs["json"]).read_text())
    assert diag["group_column"] == "base_id" and diag["error_intervals"]["dev"]["groups"] >= 290
    mismatch = diag["gaps"]["data_mismatch"]
    assert mismatch["value"] > diag["tolerance"]
    assert ("data mismatch" in result.verdict) == (mismatch["ci_low"] > diag["tolerance"] / 2)
    # the demo's story: data mismatch is the principal gap (or first of a ranked list)
    principal = diag["principal"] if isinstance(diag["principal"], list) else [diag["principal"]]
    assert principal[0] == "data_mismatch", result.verdict
    report = build_report(tmp_path / "digits")
    assert [s.id for s in report.sections] == SECTION_IDS and report.missing == []
    page = result.report.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 10  # label-issue previews, profile images
    print(f"yearn demo workflow: {seconds:.1f} s")
