"""Trained + exported tiny projects (table and images) for the serve / target tests, and
their dev rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests._ship_projects import IMAGE_TOML, make_table_project, write_images
from yearn.project import Project


def _cli():
    from typer.testing import CliRunner

    from yearn.cli import app

    runner = CliRunner()
    return lambda *a: runner.invoke(app, [str(x) for x in a])


def make_image_project(root: Path, cli) -> Path:
    """ship's tiny 3-class image project with 100 target images (dev holds >= 20)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(IMAGE_TOML)
    write_images(root / "img", "w", 90, 0).to_csv(root / "web.csv", index=False)
    write_images(root / "img", "p", 100, 1).to_csv(root / "phone.csv", index=False)
    for args in (
        ("split",),
        ("train", "--model", "cnn", "--epochs", "2", "--width", "4", "--depth", "1"),
    ):
        result = cli(*args, "--project", root)
        assert result.exit_code == 0, result.output
    return root


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
