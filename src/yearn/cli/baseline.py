"""``yearn baseline``: trivial and simple baselines on the project's splits, and the verdict
"does this model beat the best baseline?"."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, err_console
from yearn.cli._options import (
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    PROJECT_OPTION,
    STORE_URL_OPTION,
    feature_screen,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def baseline(
        project: Path = PROJECT_OPTION,
        metric: str | None = typer.Option(
            None, "--metric", help="Metric (default: the project's optimising metric)."
        ),
        only: list[str] | None = typer.Option(
            None, "--only", help="Run only these baselines (repeat the option)."
        ),
        model: str | None = typer.Option(
            None,
            "--model",
            help="A model's predictions table or run id: does it beat the best baseline?",
        ),
        against: str | None = typer.Option(
            None,
            "--baseline",
            help="With --model: a baseline's predictions table or run id to compare against, "
            "instead of fitting the baselines (no project needed).",
        ),
        split: str = typer.Option("dev", "--split", help="Split of the verdict."),
        refit: bool = typer.Option(
            False,
            "--refit",
            help="With --model: fit the baselines again instead of using the recorded ones.",
        ),
        seed: int = typer.Option(0, "--seed", help="random_state of the baselines and bootstrap."),
        record: bool = typer.Option(
            True, "--record/--no-record", help="Record each baseline as a run in the store."
        ),
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Fit trivial and simple baselines on train; score train, train-dev and dev.

        Majority / stratified / mean and linear / gradient-boosting models, each recorded
        as a run (test is never looked at). With --model, say whether that model beats the
        best baseline (paired test and CI), using the baselines already recorded in the run
        store (--refit to fit them again). Outside a project, --model alone compares with
        trivial baselines built from the labels of its predictions table.
        """
        from yearn.baselines import (
            beats_baseline,
            load_baselines,
            run_baselines,
            trivial_baselines,
        )
        from yearn.config import CONFIG_FILENAME
        from yearn.errors import ConfigError
        from yearn.project import resolve_predictions

        if against is not None and model is None:
            raise ConfigError("--baseline needs --model: the model to compare with it.")
        model_path = model_name = None
        if model is not None:
            model_path, model_name = resolve_predictions(
                model, project=project, store_url=store_url
            )
        report = None
        if against is None and model_path is not None and not (project / CONFIG_FILENAME).exists():
            # no project: the trivial baselines need only the labels of the model's table
            report = trivial_baselines(model_path, metric=metric, random_state=seed)
        elif against is None and model_path is not None and not refit:
            report = load_baselines(project, metric=metric, store_url=store_url, missing_ok=True)
        if report is None and against is None:
            with (
                feature_screen(project, keep_column),
                err_console.status("fitting the baselines on train…"),
            ):
                report = run_baselines(
                    project,
                    metric=metric,
                    baselines=only or None,
                    random_state=seed,
                    record=record,
                    store_url=store_url,
                )
        verdict = None
        if model_path is not None:
            if report is not None:
                reference, name = report, None
            else:
                reference, name = resolve_predictions(against, project=project, store_url=store_url)
            verdict = beats_baseline(
                model_path,
                reference,
                metric=metric,
                split=split,
                model_name=model_name,
                baseline_name=name,
                random_state=seed,
            )
        if as_json:
            out = {
                "baselines": None if report is None else report.to_dict(),
                "verdict": None if verdict is None else verdict.to_dict(),
            }
            typer.echo(json.dumps(out, indent=2, default=str))
            return
        if report is not None:
            _show(report)
            if report.note:
                console.print(f"[yellow]note:[/] {report.note}", highlight=False)
        if verdict is not None:
            colour = "green" if verdict.beats else "red"
            console.print(f"[bold {colour}]{verdict.message}[/]", highlight=False)


def _show(report) -> None:
    from yearn.compare import format_metric

    wide = report.wide()
    table = Table(title=f"baselines ({report.metric})", title_justify="left")
    table.add_column("baseline")
    table.add_column("kind")
    for split in wide.columns:
        table.add_column(split, justify="right")
    table.add_column("run")
    kinds = report.scores.drop_duplicates("baseline").set_index("baseline")["kind"]
    for name in wide.index:
        label = f"[bold]{name}[/]" if name == report.best else name
        table.add_row(
            label,
            str(kinds[name]),
            *(format_metric(report.metric, float(v)) for v in wide.loc[name]),
            report.run_ids.get(name, "-"),
        )
    console.print(table)
    value = format_metric(report.metric, report.value(report.best, report.best_split))
    console.print(
        f"best baseline on {report.best_split}: [bold]{report.best}[/] ({report.metric} {value})",
        highlight=False,
    )
