"""``yearn tune``: a hyperparameter study on the project (Optuna, in the run store)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from yearn.cli._console import console, err_console
from yearn.cli._options import (
    EXECUTOR_OPTION,
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    MODEL_OPTION,
    PROJECT_OPTION,
    RAY_ADDRESS_OPTION,
    SEED_OPTION,
    STORE_URL_OPTION,
    feature_screen,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def tune(
        project: Path = PROJECT_OPTION,
        model: str = MODEL_OPTION,
        trials: int | None = typer.Option(20, "--trials", help="Trials to run (in all)."),
        timeout: float | None = typer.Option(
            None, "--timeout", help="Stop starting trials after S seconds (per worker)."
        ),
        jobs: int = typer.Option(1, "--jobs", help="Parallel workers."),
        study: str | None = typer.Option(
            None, "--study", help="Study name (resumes it if it exists; default <project>-<model>)."
        ),
        epochs: int | None = typer.Option(
            None,
            "--epochs",
            help="Epochs per trial (default: \\[tune] epochs in yearn.toml, else 20).",
        ),
        confirm_seeds: int = typer.Option(
            3,
            "--confirm-seeds",
            help="Seeds per config when the default and the winner are retrained on the "
            "confirm half (1: one model each, McNemar's test).",
        ),
        executor: str = EXECUTOR_OPTION,
        ray_address: str | None = RAY_ADDRESS_OPTION,
        random_state: int = SEED_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Search hyperparameters on the select half of dev; confirm on the other half."""
        from yearn.tune import tune as run_tune

        with feature_screen(project, keep_column):
            if not as_json:
                err_console.print(
                    f"tuning {model} on {project} ({trials} trials, {jobs} worker(s), "
                    f"{executor}) ...",
                    highlight=False,
                )
            result = run_tune(
                project,
                model,
                trials=trials,
                timeout=timeout,
                jobs=jobs,
                study=study,
                executor=executor,
                ray_address=ray_address,
                store_url=store_url,
                epochs=epochs,
                confirm_seeds=confirm_seeds,
                random_state=random_state,
            )
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
            return
        _print(result)


def _print(result) -> None:
    from rich.markup import escape
    from rich.table import Table

    for line in result.summary_lines():
        console.print(escape(line), highlight=False)
    table = Table(title=f"best candidates ({result.metric}, select half of dev)")
    for col in ("candidate", result.metric, "confirm", "params"):
        table.add_column(col)
    ranked = result.selection["ranking"][:5]
    for item in ranked:
        row = result.row(item["name"])
        confirm = result.guard.confirm.get(item["name"])
        table.add_row(
            item["name"],
            f"{item['value']:.4g}",
            "" if confirm is None else f"{confirm:.4g}",
            escape(
                ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(row["params"].items()))
                or "the training defaults"
            ),
        )
    console.print(table)
    imp = result.importances["values"]
    if imp:
        console.print(
            "importances: " + ", ".join(f"{k} {v:.2f}" for k, v in imp.items()), highlight=False
        )


def _fmt(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
