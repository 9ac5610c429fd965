"""``yearn scale-up``: grow the model until train error reaches human level or dev rises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from yearn.cli._console import console, fmt_cell
from yearn.cli._options import (
    BATCH_OPTION,
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    LR_OPTION,
    MODEL_OPTION,
    OPTIM_OPTION,
    PROJECT_OPTION,
    SEED_OPTION,
    STORE_URL_OPTION,
    THREADS_OPTION,
    feature_screen,
)


def register(app: typer.Typer) -> None:
    @app.command("scale-up")
    def scale_up_cmd(
        project: Path = PROJECT_OPTION,
        model: str = MODEL_OPTION,
        epochs: int = typer.Option(10, "--epochs", help="Epochs of the first step."),
        lr: float = LR_OPTION,
        optimizer: str = OPTIM_OPTION,
        batch_size: int | None = BATCH_OPTION,
        human_level_error: float | None = typer.Option(
            None, "--human-level-error", help="Default: metric.human_level_error of yearn.toml."
        ),
        random_state: int = SEED_OPTION,
        threads: int | None = THREADS_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Grow capacity until training error reaches human level or dev error rises."""
        from yearn.train import scale_up_project

        params: dict[str, Any] = dict(
            epochs=epochs,
            lr=lr,
            optimizer=optimizer,
            batch_size=batch_size,
            random_state=random_state,
            num_threads=threads,
        )
        if human_level_error is not None:
            params["human_level_error"] = human_level_error
        with feature_screen(project, keep_column):
            result = scale_up_project(project, model, store_url=store_url, **params)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
            return
        table = Table(title=f"scale-up ({result.metric})")
        for col in ("step", "capacity", "train", "dev", "run"):
            table.add_column(col)
        for i, s in enumerate(result.steps):
            table.add_row(
                str(i + 1),
                s.capacity,
                fmt_cell(s.train_error),
                fmt_cell(s.dev_error) if s.dev_error is not None else "",
                s.run_id or "",
            )
        console.print(table)
        for note in result.notes:
            console.print(f"note: {note}", highlight=False)
        console.print(result.message, highlight=False)
