"""``yearn multitask`` and ``yearn multitask-compare``: one network for several tasks, and
whether it beats one network per task."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, err_console, fmt_cell, print_advice
from yearn.cli._options import JSON_OPTION, KEEP_COLUMN_OPTION, PROJECT_OPTION, feature_screen

MODEL_OPTION = typer.Option(
    None, "--model", "-m", help="mlp or cnn (default: cnn for images, mlp for tables)."
)
WIDTH_OPTION = typer.Option(None, "--width", help="Width of every network (built-in models).")
EPOCHS_OPTION = typer.Option(10, "--epochs", help="Passes over the train split.")
LR_OPTION = typer.Option(1e-3, "--lr", help="Learning rate.")
SEED_OPTION = typer.Option(0, "--random-state", help="Seed: same seed, same runs.")


def register(app: typer.Typer) -> None:
    @app.command()
    def multitask(
        project: Path = PROJECT_OPTION,
        model: str | None = MODEL_OPTION,
        width: int | None = WIDTH_OPTION,
        epochs: int = EPOCHS_OPTION,
        lr: float = LR_OPTION,
        random_state: int = SEED_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Train one network with an output per task (missing labels ignored): per-task
        error, average precision and diagnosis, mean average precision."""
        from yearn.multitask import fit_multitask_project

        with feature_screen(project, keep_column), err_console.status("training the network"):
            result = fit_multitask_project(
                project, model, width=width, epochs=epochs, lr=lr, random_state=random_state
            )
        if as_json:
            console.print_json(json.dumps(result.to_dict()))
            return
        table = Table("task", "split", "labelled", "missing", "positives", "error", "AP")
        for s in result.scores:
            table.add_row(
                s.task,
                s.split,
                str(s.n_labelled),
                str(s.n_missing),
                str(s.positives),
                fmt_cell(s.error),
                fmt_cell(s.average_precision),
            )
        console.print(table)
        maps = ", ".join(f"{s} {v:.4f}" for s, v in result.map_by_split.items())
        console.print(f"mean average precision: {maps}")
        if result.diagnosis is not None:
            for task, d in result.diagnosis.tasks.items():
                console.print(f"diagnosis {task}: {d.verdict()}")
        console.print(f"run {result.run_id}")

    @app.command("multitask-compare")
    def multitask_compare(
        project: Path = PROJECT_OPTION,
        model: str | None = MODEL_OPTION,
        width: int | None = WIDTH_OPTION,
        joint_width: int | None = typer.Option(
            None, "--joint-width", help="Width of the joint network (default: --width)."
        ),
        small_width: int | None = typer.Option(
            None,
            "--small-width",
            help="Also train a joint network of this (too small) width: the case where "
            "sharing loses.",
        ),
        epochs: int = EPOCHS_OPTION,
        lr: float = LR_OPTION,
        random_state: int = SEED_OPTION,
        no_advice: bool = typer.Option(False, "--no-advice", help="Skip the advisor's probes."),
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """One joint network vs one network per task on the same splits: per task and
        overall (mAP), with 95% CIs, and the course's conditions checked."""
        from yearn.multitask import compare_multitask_project

        with (
            feature_screen(project, keep_column),
            err_console.status("training joint and separate networks") as status,
        ):
            result, advice = compare_multitask_project(
                project,
                model,
                advise=not no_advice,
                width=width,
                joint_width=joint_width,
                small_width=small_width,
                epochs=epochs,
                lr=lr,
                random_state=random_state,
                progress=lambda msg: status.update(msg),
            )
        if as_json:
            out = result.to_dict()
            out["advice"] = advice.to_dict() if advice else None
            console.print_json(json.dumps(out, default=str))
            return
        frame = result.table()
        table = Table(*[str(c) for c in frame.columns], title="dev: separate vs joint")
        for row in frame.to_dict("records"):
            cells = [f"{v:.3g}" if k == "p_value" else fmt_cell(v) for k, v in row.items()]
            table.add_row(*cells)
        console.print(table)
        for note in result.notes:
            console.print(note)
        if advice is not None:
            print_advice(advice)
