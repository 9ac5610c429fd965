"""Trained + exported tiny projects (table and images) for the serve / target tests, and
their dev rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests._ship_projects import make_image_project, make_table_project
from yearn.project import Project


def _cli():
    from typer.testing import CliRunner

    from yearn.cli import app

    runner = CliRunner()
    return lambda *a: runner.invoke(app, [str(x) for x in a])


def exported(root: Path, kind: str) -> tuple[Path, Path]:
    """``(project root, export folder)`` of a freshly trained ``kind`` project."""
    cli = _cli()
    make = make_table_project if kind == "table" else make_image_project
    make(root, cli)
    result = cli("export", "--project", root)
    assert result.exit_code == 0, result.output
    (folder,) = list(Project(root).paths.exports.iterdir())
    return root, folder


def dev_rows(root: Path, n: int = 20) -> pd.DataFrame:
    """The first ``n`` dev rows of the project's sources, in the model's input columns
    plus ``id``."""
    preds = Project(root).predictions().frame
    ids = list(preds.loc[preds["split"] == "dev", "id"])[:n]
    table = pd.concat([pd.read_csv(root / "web.csv"), pd.read_csv(root / "phone.csv")])
    rows = table.set_index("id").loc[ids].reset_index()
    return rows.drop(columns=[c for c in ("device", "y", "label") if c in rows.columns])
