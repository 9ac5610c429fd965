"""``yearn report`` / ``build_report``: every section for a project that ran the workflow,
no external URLs, bad input, and every curve of 100 runs x 100 epochs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests._workflow_project import FAST, SECTION_IDS, make_project
from yearn.errors import ConfigError, StoreError
from yearn.report import Series, build_report, html_table, line_chart, section_of, write_report

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from yearn.workflow import run_project

    root = make_project(tmp_path_factory.mktemp("report") / "tiny")
    run_project(root, options=FAST, report=False)
    return root


def _section(page: str, id: str) -> str:
    start = page.index(f'id="{id}"')
    end = page.find("<section", start)
    return page[start : end if end > 0 else len(page)]


def test_every_section_present(project, tmp_path):
    out = write_report(project, tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    for id in SECTION_IDS:
        assert f'id="{id}" data-present="yes"' in page, (id, _section(page, id)[:400])
    report = build_report(project)
    assert report.missing == []
    assert [s.id for s in report.sections] == SECTION_IDS
    # the pieces each section is for
    assert "<svg" in _section(page, "diagnosis")  # ladder chart with intervals
    assert "Next steps" in page and "<ol>" in page
    assert _section(page, "curves").count("<polyline") >= 6  # loss + error, three splits
    assert "suggested" in _section(page, "lr-test")
    assert "ceiling" in _section(page, "errors").lower()
    assert "baseline:majority" in _section(page, "baselines")
    assert "the best baseline" in _section(page, "baselines")  # the paired verdict
    assert "train_dev" in _section(page, "project")


def test_no_external_urls(project, tmp_path):
    page = write_report(project, tmp_path / "r.html").read_text(encoding="utf-8")
    assert not EXTERNAL.findall(page)
    assert "<script src" not in page and "<link" not in page
    assert "default-src 'none'" in page  # the page may not fetch anything


def test_default_path_and_jupyter(project):
    path = write_report(project)
    assert path == project / "report.html" and path.is_file()
    assert "<h4>Diagnosis" in build_report(project)._repr_html_()


def test_missing_results_get_a_note(tmp_path):
    from yearn.splits import split_project

    root = make_project(tmp_path / "p")
    split_project(root)  # a split run exists, nothing else
    report = build_report(root)
    assert report["project"].present
    for id in SECTION_IDS[1:]:
        assert not report[id].present and report[id].note, id
    assert "yearn run" in report["curves"].note
    page = report.to_html()
    assert 'data-present="no"' in page and "yearn-note" in page


@pytest.mark.parametrize(("damage", "message"), [("corrupt", "sha256"), ("delete", "missing")])
def test_damaged_predictions_artifact_is_a_note_not_a_crash(project, tmp_path, damage, message):
    root = tmp_path / "p"
    shutil.copytree(project, root)
    from yearn.store import open_store

    store = open_store(root)
    run = store.list_runs(kind="train")[0]
    path = store.artifact_path(run.id, "predictions.parquet")
    store.close()
    if damage == "corrupt":
        path.write_bytes(b"garbage")
    else:
        path.unlink()
    report = build_report(root)
    for id in ("diagnosis", "labels", "slices", "errors"):
        assert not report[id].present and message in report[id].note, id
    assert report["curves"].present  # the curves are in the store, not in the artefact


def test_no_project_file(tmp_path, cli):
    with pytest.raises(ConfigError):
        build_report(tmp_path)
    result = cli("report", "--project", tmp_path)
    assert result.exit_code == 2 and "yearn.toml" in result.output


def test_no_runs(tmp_path, cli):
    root = make_project(tmp_path / "p")
    with pytest.raises(StoreError, match="no runs"):
        build_report(root)
    result = cli("report", "--project", root)
    assert result.exit_code == 2
    assert "no runs" in result.output and "yearn run" in result.output
    assert not (root / ".yearn").exists()  # asking for a report creates nothing


def test_empty_store_has_no_runs(tmp_path, cli):
    from yearn.store import open_store

    root = make_project(tmp_path / "p")
    open_store(root).close()
    result = cli("report", "--project", root)
    assert result.exit_code == 2 and "no runs" in result.output


def test_cli_report(project, tmp_path, cli):
    out = tmp_path / "sub" / "out.html"
    result = cli("report", "--project", project, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.is_file() and f"wrote {out}" in result.output.replace("\n", "")
    result = cli("report", "--project", project, "--out", out, "--json")
    assert result.exit_code == 0
    import json

    data = json.loads(result.output[result.output.index("{") :])
    assert data["missing"] == [] and [s["id"] for s in data["sections"]] == SECTION_IDS


def test_cli_report_missing_folder(tmp_path, cli):
    result = cli("report", "--project", tmp_path / "nowhere")
    assert result.exit_code == 2 and "no such project folder" in result.output


# -- the helpers -------------------------------------------------------------------------------


def test_html_table_escapes_and_formats():
    html = str(html_table([{"a": "<script>x</script>", "b": 0.12345, "c": None}],
                          formats={"b": ".1%"}))  # fmt: skip
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "12.3%" in html and "—" in html
    many = str(html_table([{"a": i} for i in range(60)], max_rows=10))
    assert "50 more rows" in many


def test_line_chart_points_and_edge_cases():
    svg = str(line_chart([Series("dev", [1, 2, 3], [0.3, float("nan"), 0.1])], title="t<"))
    assert svg.count("<polyline") == 1 and "t&lt;" in svg
    assert "no data" in str(line_chart([Series("x", [], [])]))
    single = str(line_chart([Series("x", [1], [2])]))
    assert "<circle" in single
    log = str(line_chart([Series("l", [1e-5, 1e-3, 1e-1], [2, 1, 3])], log_x=True, marker=1e-3))
    assert "1e-03" in log and "stroke-dasharray" in log


def test_any_repr_html_object_is_a_section():
    class Thing:
        def _repr_html_(self):
            return "<b>thing</b>"

    s = section_of("x", "X", Thing())
    assert s.present and str(s.body) == "<b>thing</b>"


# -- many runs ------------------------------------------------------------------------------


def _synthetic_store(root: Path, n_runs: int, n_epochs: int) -> None:
    """``n_runs`` training runs of ``n_epochs`` epochs each (loss and error, three splits),
    the metrics inserted in one transaction (logging them one by one is what takes time)."""
    from sqlalchemy import insert

    from yearn.store import _schema as schema
    from yearn.store import open_store

    rng = np.random.default_rng(0)
    store = open_store(root)
    steps = np.arange(1, n_epochs + 1)
    rows = []
    for i in range(n_runs):
        run = store.start_run(name=f"mlp-{i}", kind="train", config={"i": i})
        for split, offset in (("train", 0.0), ("train_dev", 0.02), ("dev", 0.05)):
            noise = rng.normal(0, 0.005, n_epochs)
            for name, values in (("loss", 1.0 / steps), ("error", 0.5 / np.sqrt(steps))):
                rows += [
                    {"run_id": run.id, "name": name, "split": split, "step": int(s),
                     "value": float(v), "logged_at": store._now()}
                    for s, v in zip(steps, values + offset + noise, strict=True)
                ]  # fmt: skip
        run.finish("completed")
    with store._begin() as conn:
        conn.execute(insert(schema.metrics), rows)
    store.close()


def test_render_100_runs_x_100_epochs_draws_every_curve(tmp_path):
    """Every run's loss and error curves on three splits are drawn, each with its last
    point. The render time is measured by bench/report_render.py, not asserted here."""
    root = make_project(tmp_path / "p")
    _synthetic_store(root, 100, 100)
    report = build_report(root)
    page = report.to_html()
    assert page.count("<polyline") == 100 * 2 * 3
    curves = next(s for s in report.sections if s.id == "curves")
    assert curves.present and curves.note is None
    baselines = str(next(s for s in report.sections if s.id == "baselines").body)
    assert baselines.count("mlp-") == 100


def test_final_values_take_each_splits_last_epoch_of_the_error_metric():
    import pandas as pd

    from yearn.report._sections import _final_values

    metrics = pd.DataFrame(
        [  # rows out of order; a split-less row and the loss are not the error curve
            ("r1", "error", "dev", 2, 0.30),
            ("r1", "error", "dev", 1, 0.50),
            ("r1", "error", "train", 1, 0.40),
            ("r1", "error", "train", 2, 0.20),
            ("r1", "error", None, 3, 0.99),
            ("r1", "loss", "dev", 3, 9.0),
            ("r2", "accuracy", "dev", 1, 0.7),
            ("r3", "loss", "dev", 1, 1.0),
        ],
        columns=["run_id", "name", "split", "step", "value"],
    )
    finals = _final_values(metrics)
    assert finals == {
        "r1": {"dev": 0.30, "train": 0.20, "_metric": "error"},
        "r2": {"dev": 0.7, "_metric": "accuracy"},
    }


def test_bar_chart():
    from yearn.report import bar_chart

    svg = str(bar_chart(["a<b", "c"], [0.2, 0.1], fmt=".0%", reference=0.15, reference_label="now"))
    assert svg.count("<rect") == 2 and "a&lt;b" in svg and "20%" in svg and "now" in svg
    assert "no data" in str(bar_chart([], []))
    assert str(bar_chart(["x"], [float("nan")])).count("<rect") == 0


def test_next_steps_without_yearn_run(project, tmp_path):
    """A project whose runs were made step by step (no `yearn run`) still gets next steps."""
    root = tmp_path / "p"
    shutil.copytree(project, root)
    (root / ".yearn" / "workflow.json").unlink()
    report = build_report(root)
    assert report["diagnosis"].present and len(report.next_steps) == 3
    assert report.verdict and "Next steps" in report.to_html()
    # the profile on disk is shown, whichever command wrote it (issue 13 §3)
    assert report["profile"].present


def test_nothing_is_drawn_twice(project, tmp_path):
    """Issue 13 §6: the ceiling chart, the slices chart and the "beats the baseline"
    sentence were each shown twice."""
    page = write_report(project, tmp_path / "r.html").read_text(encoding="utf-8")
    titles = re.findall(
        r'<text x="4" y="14" font-size="12" font-weight="bold">([^<]+)</text>', page
    )
    assert titles and len(titles) == len(set(titles)), sorted(titles)
    for id in ("errors", "slices"):
        assert _section(page, id).count("<svg") <= 1
    base = _section(page, "baselines")
    sentences = re.findall(r"<p><b>([^<]+)</b></p>", base)
    assert len(sentences) == 1 and "the best baseline" in sentences[0], sentences
