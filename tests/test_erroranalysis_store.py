"""Predictions from the run store: --run ID, or --project DIR for the newest run."""

from __future__ import annotations

import json

from tests._tables import make_table
from yearn.predictions import write_predictions
from yearn.project import resolve_predictions


def _project_with_run(tmp_path):
    from yearn.store import open_store

    path = write_predictions(make_table(), tmp_path / "scratch.parquet")
    store = open_store(tmp_path)
    try:
        with store.run(name="mlp", kind="train", config={}) as run:
            run.log_artifact(path, name="predictions.parquet")
            run_id = run.id
    finally:
        store.close()
    return run_id


def test_run_and_project_resolve_to_the_artifact(cli, tmp_path):
    run_id = _project_with_run(tmp_path)
    by_project, _ = resolve_predictions(project=tmp_path)
    assert by_project.name == "predictions.parquet" and run_id in str(by_project)
    out = tmp_path / "ws.csv"
    result = cli("errors", "sample", "--project", tmp_path, "--n", "5", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["errors"] == 5
    result = cli("slices", "--project", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    result = cli("label-issues", "--run", run_id, "--project", tmp_path, "--json")
    assert result.exit_code == 0, result.output


def test_no_run_is_a_clear_error(cli, tmp_path):
    result = cli("slices", "--project", tmp_path)
    out = " ".join(result.output.split())
    assert result.exit_code == 2 and "no completed run" in out
    result = cli("errors", "sample")
    assert result.exit_code == 2 and "no predictions given" in " ".join(result.output.split())
